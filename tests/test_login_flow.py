"""Authorization code + PKCE through the hosted login page, redeemed with auth0-python."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from auth0.authentication import GetToken
from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, TokenVerifier

from tests.browser import Browser, form_state, pkce_pair, redirect_params
from tests.conftest import Server

CALLBACK = "https://app.example/callback"
EMAIL, PASSWORD = "ada@example.com", "correct horse battery"


@pytest.fixture(scope="module")
def spa(server: Server) -> dict:
    server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    return server.cli(
        "apps",
        "create",
        "--name",
        "Web App",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--web-origins",
        "https://app.example",
    )


def authorize_query(spa: dict, challenge: str, **extra: str) -> dict[str, str]:
    return {
        "client_id": spa["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile email",
        "state": "st+/=ate",
        "nonce": "n+/=once",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def test_code_flow_with_pkce_and_auth0_python(server: Server, spa: dict) -> None:
    browser = Browser(server)
    verifier, challenge = pkce_pair()
    params = redirect_params(browser.login(authorize_query(spa, challenge), EMAIL, PASSWORD))
    assert params["state"] == "st+/=ate"
    assert "edgeauth_session" in browser.cookies

    tokens = GetToken(server.domain, spa["client_id"], protocol="http").authorization_code_pkce(
        verifier, params["code"], CALLBACK
    )
    assert tokens["token_type"] == "Bearer"
    verifier_ = AsymmetricSignatureVerifier(f"{server.origin}/.well-known/jwks.json")
    claims = TokenVerifier(verifier_, f"{server.origin}/", spa["client_id"]).verify(
        tokens["id_token"], nonce="n+/=once"
    )
    assert claims["email"] == EMAIL and claims["email_verified"] is False
    assert claims["sub"].startswith("auth0|") and claims["sid"] and claims["auth_time"]
    assert {"name", "nickname", "picture", "updated_at"} <= set(claims)


def test_a_code_works_once(server: Server, spa: dict) -> None:
    verifier, challenge = pkce_pair()
    code = redirect_params(Browser(server).login(authorize_query(spa, challenge), EMAIL, PASSWORD))["code"]
    form = {
        "grant_type": "authorization_code",
        "client_id": spa["client_id"],
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": CALLBACK,
    }
    with server.client() as http:
        assert http.post("/oauth/token", data=form).status_code == 200
        again = http.post("/oauth/token", data=form)
    assert again.status_code == 403
    assert again.json()["error"] == "invalid_grant"


def test_pkce_verifier_mismatch(server: Server, spa: dict) -> None:
    _, challenge = pkce_pair()
    code = redirect_params(Browser(server).login(authorize_query(spa, challenge), EMAIL, PASSWORD))["code"]
    with server.client() as http:
        response = http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "client_id": spa["client_id"],
                "code": code,
                "code_verifier": pkce_pair()[0],
                "redirect_uri": CALLBACK,
            },
        )
    assert response.status_code == 403
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Failed to verify code verifier",
    }


def test_wrong_password_rerenders_the_form(server: Server, spa: dict) -> None:
    response = Browser(server).login(authorize_query(spa, pkce_pair()[1]), EMAIL, "not the password")
    assert response.status_code == 400
    assert "Wrong email or password." in response.text


def test_sso_and_prompt_none(server: Server, spa: dict) -> None:
    browser = Browser(server)
    _, challenge = pkce_pair()
    redirect_params(browser.login(authorize_query(spa, challenge), EMAIL, PASSWORD))
    silent = browser.request("GET", "/authorize", params=authorize_query(spa, challenge, prompt="none"))
    assert "code" in redirect_params(silent)

    stranger = Browser(server).request(
        "GET", "/authorize", params=authorize_query(spa, challenge, prompt="none")
    )
    assert redirect_params(stranger) == {
        "error": "login_required",
        "error_description": "Login required",
        "state": "st+/=ate",
    }


def test_unregistered_redirect_uri_is_never_redirected(server: Server, spa: dict) -> None:
    query = authorize_query(spa, pkce_pair()[1], redirect_uri="https://evil.example/callback")
    response = Browser(server).request("GET", "/authorize", params=query)
    assert response.status_code == 400
    assert "location" not in response.headers
    unknown = Browser(server).request("GET", "/authorize", params={**query, "client_id": "nope"})
    assert unknown.status_code == 400 and "location" not in unknown.headers


def test_login_form_post_without_the_browser_cookie_is_refused(server: Server, spa: dict) -> None:
    browser = Browser(server)
    page = browser.authorize(authorize_query(spa, pkce_pair()[1]))
    state = form_state(page)
    attacker = Browser(server)  # another browser: no transaction cookie
    response = attacker.request(
        "POST", "/u/login", data={"state": state, "email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "edgeauth_session" not in attacker.cookies


def test_confidential_app_code_flow_with_auth0_python(server: Server) -> None:
    """A regular web app: no PKCE needed, but the exchange needs its client secret."""
    web = server.cli("apps", "create", "--name", "Regular", "--type", "regular", "--callbacks", CALLBACK)
    query = {
        "client_id": web["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email",
        "state": "s1",
        "nonce": "n1",
    }
    code = redirect_params(Browser(server).login(query, EMAIL, PASSWORD))["code"]
    with server.client() as http:
        no_secret = http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": web["client_id"],
                "redirect_uri": CALLBACK,
            },
        )
    assert no_secret.status_code == 401 and no_secret.json()["error"] == "invalid_client"
    code = redirect_params(Browser(server).login(query, EMAIL, PASSWORD))["code"]
    tokens = GetToken(
        server.domain, web["client_id"], client_secret=web["client_secret"], protocol="http"
    ).authorization_code(code, CALLBACK)
    claims = TokenVerifier(
        AsymmetricSignatureVerifier(f"{server.origin}/.well-known/jwks.json"),
        f"{server.origin}/",
        web["client_id"],
    ).verify(tokens["id_token"], nonce="n1")
    assert claims["email"] == EMAIL and "name" not in claims  # only the email scope was asked for


def test_a_plain_requests_session_logs_in_over_http(server: Server, spa: dict) -> None:
    """How many teams script a login: `requests` (http.cookiejar) against the local server. Its
    jar never sends a `Secure` cookie over http, so with every cookie Secure the form post lost
    its transaction binding and got a 400; on http the cookies are not Secure (http/cookies.py)."""
    session = requests.Session()
    verifier, challenge = pkce_pair()
    response = session.get(
        f"{server.origin}/authorize", params=authorize_query(spa, challenge), allow_redirects=False
    )
    while response.status_code == 302 and response.headers["location"].startswith("/"):
        response = session.get(server.origin + response.headers["location"], allow_redirects=False)
    assert response.status_code == 200, response.text
    assert not any(cookie.secure for cookie in session.cookies)
    state = re.search(r'name="state" value="([^"]+)"', response.text)
    assert state, response.text
    done = session.post(
        f"{server.origin}/u/login",
        data={"state": unescape(state.group(1)), "email": EMAIL, "password": PASSWORD},
        allow_redirects=False,
    )
    assert done.status_code == 302, done.text
    code = parse_qs(urlsplit(done.headers["location"]).query)["code"][0]
    tokens = GetToken(server.domain, spa["client_id"], protocol="http").authorization_code_pkce(
        verifier, code, CALLBACK
    )
    assert tokens["id_token"]
    silent = session.get(
        f"{server.origin}/authorize",
        params=authorize_query(spa, challenge, prompt="none"),
        allow_redirects=False,
    )
    assert "code=" in silent.headers["location"]  # the SSO cookie came back too
