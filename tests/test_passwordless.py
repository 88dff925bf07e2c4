"""Passwordless email (Auth0's `email` connection): `/passwordless/start`, the OTP grant, magic
links and the hosted page's code form, with auth0-python where it has a call for it."""

from __future__ import annotations

import re
import time

import pytest
from auth0.authentication import GetToken, Passwordless
from auth0.authentication.exceptions import Auth0Error

from tests.browser import Browser, code_query, form_state, pkce_pair, redirect_params
from tests.conftest import Server
from tests.mail_support import email_code, email_link, id_token_claims
from tests.test_mfa import hidden, rfc6238

OTP = "http://auth0.com/oauth/grant-type/passwordless/otp"
CALLBACK = "https://pl.example/callback"


@pytest.fixture(scope="module")
def app(server: Server) -> dict:
    """A native app with the OTP grant, the `email` connection enabled for it."""
    created = server.cli(
        "apps",
        "create",
        "--name",
        "Passwordless",
        "--type",
        "native",
        "--callbacks",
        CALLBACK,
        "--grants",
        f"authorization_code,refresh_token,{OTP}",
    )
    server.cli(
        "connections",
        "create",
        "--name",
        "email",
        "--strategy",
        "email",
        "--enable-app",
        created["client_id"],
    )
    return created


def start(server: Server, body: dict) -> tuple[int, dict]:
    with server.client() as http:
        response = http.post("/passwordless/start", json=body)
    return response.status_code, response.json()


def test_start_refuses_bad_input_with_auth0_errors(server: Server, app: dict) -> None:
    base = {"client_id": app["client_id"], "connection": "email", "email": "x@example.com", "send": "code"}
    cases = [
        ({"connection": "nope"}, "bad.connection"),
        ({"connection": "Username-Password-Authentication"}, "bad.connection"),
        ({"email": ""}, "bad.email"),
        ({"email": "not an email"}, "bad.email"),
        ({"send": "sms"}, "bad.send"),
        (
            {
                "send": "link",
                "authParams": {"redirect_uri": "https://evil.example/cb", "response_type": "code"},
            },
            "bad.authParams",
        ),
        ({"send": "link", "authParams": "nope"}, "bad.authParams"),
        ({"email": ["a@b.c"]}, "invalid_request"),
    ]
    for change, error in cases:
        status, body = start(server, {**base, **change})
        assert (status, body["error"]) == (400, error), (change, body)
    status, body = start(server, {**base, "client_id": "unknown"})
    assert (status, body["error"]) == (401, "invalid_client")


def test_confidential_app_must_authenticate(server: Server) -> None:
    regular = server.cli("apps", "create", "--name", "Regular", "--type", "regular")
    status, body = start(
        server, {"client_id": regular["client_id"], "connection": "email", "email": "a@b.co"}
    )
    assert (status, body["error"]) == (401, "invalid_client")


def test_wrong_codes_burn_the_code_but_never_lock_the_owner_out(server: Server, app: dict) -> None:
    """Five wrong codes burn the code a stranger was guessing; the owner's next code still works
    (an account-wide lock after ten wrong codes from anywhere let anyone lock a victim out)."""
    get_token = GetToken(server.domain, app["client_id"], protocol="http")
    email = "locked-otp@example.com"
    Passwordless(server.domain, app["client_id"], protocol="http").email(email, send="code")
    burned = email_code(server, email)
    wrong = "000000" if burned != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(Auth0Error) as refused:
            get_token.passwordless_login(email, wrong, realm="email", scope="openid", audience="")
        assert (refused.value.status_code, refused.value.error_code) == (403, "invalid_grant")
        assert refused.value.message == "Wrong email or verification code."
    with pytest.raises(Auth0Error) as spent:
        get_token.passwordless_login(email, burned, realm="email", scope="openid", audience="")
    assert spent.value.error_code == "invalid_grant"  # the right code, but burned by the guesses

    for _ in range(12):  # past the account-wide threshold: one wrong try burns a code
        with pytest.raises(Auth0Error):
            get_token.passwordless_login(email, wrong, realm="email", scope="openid", audience="")
    Passwordless(server.domain, app["client_id"], protocol="http").email(email, send="code")
    fresh = email_code(server, email, count=2)
    tokens = get_token.passwordless_login(email, fresh, realm="email", scope="openid", audience="")
    assert "id_token" in tokens


def test_otp_grant_needs_the_email_realm_and_the_grant(server: Server, app: dict) -> None:
    with pytest.raises(Auth0Error) as realm:
        GetToken(server.domain, app["client_id"], protocol="http").passwordless_login(
            "a@example.com", "123456", realm="Username-Password-Authentication", scope="openid", audience=""
        )
    assert realm.value.status_code == 400
    spa = server.cli("apps", "create", "--name", "No OTP", "--type", "spa")
    with pytest.raises(Auth0Error) as grant:
        GetToken(server.domain, spa["client_id"], protocol="http").passwordless_login(
            "a@example.com", "123456", realm="email", scope="openid", audience=""
        )
    assert (grant.value.status_code, grant.value.error_code) == (403, "unauthorized_client")


def test_forged_magic_link_is_an_error_page(server: Server) -> None:
    with server.client() as http:
        for token in ("", "nonsense", "0" * 64 + "." + "A" * 43):
            response = http.get("/passwordless/verify_redirect", params={"token": token})
            assert response.status_code == 400 and "text/html" in response.headers["content-type"]


def test_hosted_page_offers_a_code_when_the_connection_is_enabled(server: Server, app: dict) -> None:
    _, challenge = pkce_pair()
    page = Browser(server).authorize(code_query(app["client_id"], CALLBACK, challenge))
    assert 'action="/u/passwordless"' in page.text
    server.cli("tenants", "create", "plain")  # no email connection there
    other = server.cli(
        "apps",
        "create",
        "--name",
        "Password only",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--tenant",
        "plain",
    )
    page = Browser(server, "plain").authorize(code_query(other["client_id"], CALLBACK, challenge))
    assert page.status_code == 200 and 'action="/u/passwordless"' not in page.text


def test_code_form_refuses_a_forged_transaction(server: Server) -> None:
    response = Browser(server).request(
        "POST", "/u/passwordless/verify", data={"state": "forged", "email": "a@b.co", "code": "123456"}
    )
    assert response.status_code == 400


def test_code_by_email_then_otp_grant_signs_up_once(server: Server, app: dict) -> None:
    email = "ana@example.com"
    Passwordless(server.domain, app["client_id"], protocol="http").email(email, send="code")
    code = email_code(server, email)
    get_token = GetToken(server.domain, app["client_id"], protocol="http")
    tokens = get_token.passwordless_login(
        email, code, realm="email", scope="openid email offline_access", audience=""
    )
    claims = id_token_claims(server, app, tokens["id_token"])
    assert claims["email"] == email and claims["email_verified"] is True
    assert claims["sub"].startswith("email|")
    with pytest.raises(Auth0Error):  # single use
        get_token.passwordless_login(email, code, realm="email", scope="openid", audience="")
    Passwordless(server.domain, app["client_id"], protocol="http").email(email, send="code")
    again = get_token.passwordless_login(
        email, email_code(server, email, 2), realm="email", scope="openid", audience=""
    )
    assert id_token_claims(server, app, again["id_token"])["sub"] == claims["sub"]  # the same user


def test_magic_link_finishes_the_authorization_once(server: Server, app: dict) -> None:
    email = "link@example.com"
    verifier, challenge = pkce_pair()
    auth_params = {
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    status, _ = start(
        server,
        {
            "client_id": app["client_id"],
            "connection": "email",
            "email": email,
            "send": "link",
            "authParams": auth_params,
        },
    )
    assert status == 200
    link = email_link(server, email)
    browser = Browser(server)
    params = redirect_params(browser.request("GET", link))
    assert params["state"] == "xyz" and "code" in params
    assert "edgeauth_session" in browser.cookies
    tokens = GetToken(server.domain, app["client_id"], protocol="http").authorization_code_pkce(
        verifier, params["code"], CALLBACK
    )
    assert id_token_claims(server, app, tokens["id_token"])["email"] == email
    assert Browser(server).request("GET", link).status_code == 400  # spent


def test_code_on_the_hosted_page(server: Server, app: dict) -> None:
    email = "hosted-code@example.com"
    _, challenge = pkce_pair()
    browser = Browser(server)
    page = browser.authorize(code_query(app["client_id"], CALLBACK, challenge, state="h1"))
    code_page = browser.request("POST", "/u/passwordless", data={"state": form_state(page), "email": email})
    assert code_page.status_code == 200 and 'action="/u/passwordless/verify"' in code_page.text
    form = {"state": form_state(code_page), "email": email}
    wrong = browser.request("POST", "/u/passwordless/verify", data={**form, "code": "000000"})
    assert wrong.status_code == 400 and 'id="error"' in wrong.text
    done = browser.request("POST", "/u/passwordless/verify", data={**form, "code": email_code(server, email)})
    assert redirect_params(done)["state"] == "h1"


def test_a_code_works_only_for_its_own_email(server: Server, app: dict) -> None:
    Passwordless(server.domain, app["client_id"], protocol="http").email("owner@example.com", send="code")
    code = email_code(server, "owner@example.com")
    get_token = GetToken(server.domain, app["client_id"], protocol="http")
    with pytest.raises(Auth0Error) as other:
        get_token.passwordless_login("thief@example.com", code, realm="email", scope="openid", audience="")
    assert other.value.status_code == 403
    assert get_token.passwordless_login("owner@example.com", code, realm="email", scope="openid", audience="")


def test_a_magic_link_asks_for_the_second_factor(server: Server, app: dict) -> None:
    """With MFA required, a magic link opened in any browser leads to the second factor's page (a
    login transaction for that browser), and on to the app once it passes."""
    email = "link-mfa@example.com"
    server.cli("tenants", "update", "--mfa", "otp")
    try:
        verifier, challenge = pkce_pair()
        auth_params = {"redirect_uri": CALLBACK, "response_type": "code", "scope": "openid", "state": "m1",
                       "code_challenge": challenge, "code_challenge_method": "S256"}  # fmt: skip
        body = {"client_id": app["client_id"], "connection": "email", "email": email, "send": "link"}
        assert start(server, {**body, "authParams": auth_params})[0] == 200
        browser = Browser(server)
        page = browser.request("GET", email_link(server, email))
        secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', page.text)
        assert page.status_code == 200 and secret and "edgeauth_session" not in browser.cookies
        form = {"state": form_state(page), "mfa_token": hidden(page, "mfa_token")}
        done = browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret[1], time.time())})
        params = redirect_params(done)
        assert params["state"] == "m1"
        tokens = GetToken(server.domain, app["client_id"], protocol="http").authorization_code_pkce(
            verifier, params["code"], CALLBACK
        )
        assert id_token_claims(server, app, tokens["id_token"])["amr"] == ["mfa"]
    finally:
        server.cli("tenants", "update", "--mfa", "off")
