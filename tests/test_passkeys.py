"""Passkeys as a first factor (Auth0's `webauthn_platform_first_factor`), in both runtimes: over
HTTP with the software authenticator, a signup that proves the email by an emailed code and then
creates the account with a passkey and no password, a login by that passkey alone (its user handle
finds the account), `amr: ["mfa"]`, and the refusals (a wrong code, a create page reached without
the code, no user verification, a replayed answer, another authenticator claiming the account, a
taken email, passkeys off); in Chromium with a virtual platform authenticator behind auth0-spa-js,
the same signup (the code typed from the email) and login."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import jwt
import pytest

from tests.browser import Browser, code_query, form_state, pkce_pair, redirect_params
from tests.conftest import Server
from tests.e2e_support import Chromium, StaticSite
from tests.mail_support import email_code
from tests.management.conftest import grant_management
from tests.test_mfa import CALLBACK, PASSWORD, get_token
from tests.test_mfa_spa import run
from tests.test_webauthn import public_key
from tests.webauthn_authenticator import SoftAuthenticator

PLATFORM = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True}  # fmt: skip


@pytest.fixture(scope="module")
def app(server: Server) -> dict[str, Any]:
    server.cli("tenants", "update", "--passkeys", "on")
    return server.cli("apps", "create", "--name", "Passkeys", "--type", "spa", "--callbacks", CALLBACK)


def signup(
    server: Server, app: dict[str, Any], email: str, passkey: SoftAuthenticator
) -> tuple[Browser, Any]:
    browser = Browser(server)
    verifier, challenge = pkce_pair()
    state = form_state(browser.authorize(code_query(app["client_id"], CALLBACK, challenge)))
    asked = browser.request("POST", "/u/signup", data={"state": state, "email": email, "method": "passkey"})
    assert asked.status_code == 200 and 'action="/u/passkey/code"' in asked.text, asked.text
    # Without the code, no page that creates a passkey for this email: a forged answer starts over.
    forged = {"state": state, "email": email, "challenge": "x", "credential": "{}"}
    assert 'data-ceremony="create"' not in browser.request("POST", "/u/passkey", data=forged).text
    code = {"state": state, "email": email}
    wrong = browser.request("POST", "/u/passkey/code", data={**code, "code": "000000"})
    assert wrong.status_code == 400 and 'aria-invalid="true"' in wrong.text  # and that code is burned
    asked = browser.request("POST", "/u/signup", data={"state": state, "email": email, "method": "passkey"})
    page = browser.request("POST", "/u/passkey/code", data={**code, "code": email_code(server, email, 2)})
    assert page.status_code == 200 and 'data-ceremony="create"' in page.text, page.text
    options = public_key(page)
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    form = {"state": state, "email": email, "challenge": _hidden(page.text, "challenge")}
    done = browser.request(
        "POST", "/u/passkey", data={**form, "credential": json.dumps(passkey.create(options, server.origin))}
    )
    return done, verifier


def _hidden(text: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', text)
    assert match, text
    return unescape(match[1])


def passkey_login(
    server: Server,
    app: dict[str, Any],
    passkey: SoftAuthenticator,
    replay: dict[str, str] | None = None,
    **answer: Any,
) -> Any:
    """The login page's passkey form answered by `passkey` (or a `replay` of an earlier answer's
    challenge and credential, in this new login)."""
    browser = Browser(server)
    verifier, challenge = pkce_pair()
    page = browser.authorize(code_query(app["client_id"], CALLBACK, challenge))
    assert 'id="passkey-form"' in page.text and 'autocomplete="username webauthn"' in page.text
    options = public_key(page)
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    form = {"state": form_state(page), "challenge": _hidden(page.text, "challenge")}
    form["credential"] = json.dumps(passkey.get(options, server.origin, **answer))
    return browser.request("POST", "/u/passkey", data={**form, **(replay or {})}), verifier, form


def test_passkey_signup_then_login(server: Server, app: dict[str, Any]) -> None:
    email = "passkey-user@example.com"
    passkey = SoftAuthenticator(counter_step=0)  # as many passkeys: a counter of zero
    done, verifier = signup(server, app, email, passkey)
    params = redirect_params(done)
    tokens = get_token(server, app).authorization_code_pkce(verifier, params["code"], CALLBACK)
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["sub"].startswith("auth0|") and claims["amr"] == ["mfa"]
    # No password was set: the password form does not open the account.
    refused = Browser(server).login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
    assert refused.status_code == 400

    response, verifier, answered = passkey_login(server, app, passkey)
    params = redirect_params(response)
    tokens = get_token(server, app).authorization_code_pkce(verifier, params["code"], CALLBACK)
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["sub"] == claims["sub"]

    replayed, _, _ = passkey_login(
        server, app, passkey, replay={k: answered[k] for k in ("challenge", "credential")}
    )
    assert replayed.status_code == 400  # a captured answer, replayed in a login of its own
    unverified, _, _ = passkey_login(server, app, passkey, verified=False)
    assert unverified.status_code == 400 and 'aria-invalid="true"' in unverified.text
    stranger, _, _ = passkey_login(server, app, SoftAuthenticator(user_handle=passkey.user_handle))
    assert stranger.status_code == 400

    other = Browser(server)
    state = form_state(other.authorize(code_query(app["client_id"], CALLBACK, pkce_pair()[1])))
    taken = other.request("POST", "/u/signup", data={"state": state, "email": email, "method": "passkey"})
    assert taken.status_code == 400 and 'data-ceremony="create"' not in taken.text  # the email has a user


def test_passkeys_off_hides_and_refuses(server: Server, app: dict[str, Any]) -> None:
    server.cli("tenants", "update", "--passkeys", "off")
    try:
        page = Browser(server).authorize(code_query(app["client_id"], CALLBACK, pkce_pair()[1]))
        assert 'id="passkey-form"' not in page.text
    finally:
        server.cli("tenants", "update", "--passkeys", "on")


def test_chromium_passkey_signup_and_login(
    server: Server, app: dict[str, Any], browser: Chromium, site: StaticSite
) -> None:
    name = f"passkeys-{server.mode}"
    url = f"{site.origin}/{name}/"
    spa = server.cli(
        "apps", "create", "--name", "Passkey SPA", "--type", "spa", "--callbacks", url,
        "--web-origins", site.origin,
    )  # fmt: skip
    site.page(name, {"client": {"domain": server.origin, "clientId": spa["client_id"]}})
    email = f"chromium-passkey-{server.mode}@example.com"
    browser.new_session()
    authenticator = browser.virtual_authenticator(**PLATFORM)
    browser.goto(url)
    browser.click("#login")
    login_url = browser.wait_for_url(f"{server.origin}/u/login")
    browser.goto(login_url.replace("/u/login", "/u/signup"))
    browser.type("#email", email)
    browser.click("#passkey-signup")
    browser.wait_for_text("#code", "")
    browser.type("#code", email_code(server, email))
    browser.press("#code", "Enter")
    browser.wait_for_text("#webauthn-start", "")
    browser.click("#webauthn-start")
    browser.wait_for_url(url)
    claims = run(browser, "return await client.getIdTokenClaims()")
    assert claims["email"] == email and claims["amr"] == ["mfa"]
    [credential] = browser.authenticator_credentials(authenticator)
    assert credential["isResidentCredential"] is True

    # The login page asks for passkeys in the email field's autofill (conditional mediation) as it
    # loads; the virtual authenticator answers it at once, as a user picking the passkey would.
    browser.clear_cookies()
    browser.goto(url)
    browser.click("#login")
    browser.wait_for_url(url)
    assert run(browser, "return (await client.getIdTokenClaims()).email") == email


def test_a_passkey_must_find_its_user(server: Server, app: dict[str, Any]) -> None:
    """An email a user gave up still names that user's object; a passkey made for it there would
    carry a user handle that finds nobody, so the signup is refused rather than leave an account
    nobody can enter."""
    old, new = "moved-from@example.com", "moved-to@example.com"
    created = server.cli("users", "create", "--email", old, "--password", PASSWORD)
    server.cli("users", "update", created["user_id"], "--email", new)
    done, _ = signup(server, app, old, SoftAuthenticator())
    assert done.status_code == 400 and "edgeauth_session" not in done.headers.get("set-cookie", "")


def test_removing_second_factors_keeps_passkeys(server: Server, app: dict[str, Any]) -> None:
    """Auth0's `DELETE /users/{id}/authenticators` removes MFA enrolments; a passkey is a way to
    log in, not one of them."""
    if server.mode == "edge":
        pytest.skip("the edge host serves no /api/v2; the Management API is checked locally")
    passkey = SoftAuthenticator(counter_step=0)
    done, _ = signup(server, app, "keeps-passkey@example.com", passkey)
    assert done.status_code == 302
    with grant_management(server).api() as api:
        user_id = api.get("/users-by-email", params={"email": "keeps-passkey@example.com"}).json()[0][
            "user_id"
        ]
        assert [m["type"] for m in api.get(f"/users/{user_id}/authentication-methods").json()] == ["passkey"]
        assert api.delete(f"/users/{user_id}/authenticators").status_code == 204
        assert [m["type"] for m in api.get(f"/users/{user_id}/authentication-methods").json()] == ["passkey"]
    assert redirect_params(passkey_login(server, app, passkey)[0])["code"]
