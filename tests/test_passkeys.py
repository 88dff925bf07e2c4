"""Passkeys as a first factor (Auth0's `webauthn_platform_first_factor`), in both runtimes: over
HTTP with the software authenticator, a signup that creates the account with a passkey and no
password, a login by that passkey alone (its user handle finds the account), `amr: ["mfa"]`, and
the refusals (no user verification, another authenticator claiming the account, a taken email,
passkeys off); in Chromium
with a virtual platform authenticator behind auth0-spa-js, the same signup and login."""

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
    page = browser.request("POST", "/u/signup", data={"state": state, "email": email, "method": "passkey"})
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
