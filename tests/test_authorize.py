"""/authorize rules and response modes, the hosted pages, and user-flow errors at /oauth/token."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from tests.browser import Browser, form_state, pkce_pair, redirect_params
from tests.conftest import Server

CALLBACK = "https://modes.example/cb"
ORIGIN = "https://modes.example"
EMAIL, PASSWORD = "lin@example.com", "lovelace-1843"


@pytest.fixture(scope="module")
def app(server: Server) -> dict:
    server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    return server.cli(
        "apps", "create", "--name", "Modes", "--type", "spa", "--callbacks", CALLBACK, "--web-origins", ORIGIN
    )


def query(app: dict, **extra: str) -> dict[str, str]:
    base = {
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile email",
        "state": "xyz",
        "nonce": "abc",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }
    return {k: v for k, v in {**base, **extra}.items() if v}


def signed_in(server: Server, app: dict) -> Browser:
    browser = Browser(server)
    redirect_params(browser.login(query(app), EMAIL, PASSWORD))
    return browser


def test_implicit_token_id_token_in_the_fragment(server: Server, app: dict) -> None:
    browser = signed_in(server, app)
    response = browser.request("GET", "/authorize", params=query(app, response_type="token id_token"))
    assert response.status_code == 302 and "#" in response.headers["location"]
    params = redirect_params(response)
    assert params["state"] == "xyz" and params["token_type"] == "Bearer"
    claims = jwt.decode(params["id_token"], options={"verify_signature": False})
    assert claims["nonce"] == "abc" and claims["at_hash"]


def test_implicit_requires_a_nonce(server: Server, app: dict) -> None:
    response = Browser(server).request(
        "GET", "/authorize", params=query(app, response_type="id_token", nonce="")
    )
    params = redirect_params(response)
    assert params["error"] == "invalid_request" and params["state"] == "xyz"


def test_web_message_posts_to_the_redirect_origin_only(server: Server, app: dict) -> None:
    browser = signed_in(server, app)
    response = browser.request(
        "GET",
        "/authorize",
        params=query(app, response_mode="web_message", prompt="none", response_type="token id_token"),
    )
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == f"frame-ancestors {ORIGIN}"
    assert "x-frame-options" not in response.headers
    message = json.loads(re.search(r"var message = (\{.*?\});", response.text).group(1))  # type: ignore[union-attr]
    assert message["type"] == "authorization_response"
    assert message["response"]["state"] == "xyz" and message["response"]["access_token"]
    assert json.dumps(ORIGIN) in response.text


def test_web_message_error_without_a_session(server: Server, app: dict) -> None:
    response = Browser(server).request(
        "GET", "/authorize", params=query(app, response_mode="web_message", prompt="none")
    )
    assert response.status_code == 200
    assert '"error": "login_required"' in response.text and '"state": "xyz"' in response.text


def test_form_post(server: Server, app: dict) -> None:
    browser = signed_in(server, app)
    response = browser.request("GET", "/authorize", params=query(app, response_mode="form_post"))
    assert response.status_code == 200
    assert f'action="{CALLBACK}"' in response.text
    assert 'name="code"' in response.text and 'name="state" value="xyz"' in response.text


def test_max_age_zero_forces_a_new_login(server: Server, app: dict) -> None:
    browser = signed_in(server, app)
    response = browser.request("GET", "/authorize", params=query(app, max_age="0"))
    assert response.status_code == 302 and response.headers["location"].startswith("/u/login")
    silent = browser.request("GET", "/authorize", params=query(app, max_age="0", prompt="none"))
    assert redirect_params(silent)["error"] == "login_required"


def test_errors_go_back_to_the_client_with_state(server: Server, app: dict) -> None:
    browser = Browser(server)
    cases = {
        "unsupported_response_type": {"response_type": "magic"},
        "invalid_request": {"code_challenge": ""},  # public client: PKCE required
        "access_denied": {"audience": "https://nope.example/"},
    }
    for error, extra in cases.items():
        params = redirect_params(browser.request("GET", "/authorize", params=query(app, **extra)))
        assert params["error"] == error and params["state"] == "xyz", params


def test_a_response_type_the_client_may_not_use_is_refused_in_the_query(server: Server) -> None:
    """The error of a refused response type goes back the default way (query), with `state`."""
    code_only = server.cli(
        "apps",
        "create",
        "--name",
        "Code only",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--grants",
        "authorization_code",
    )
    response = Browser(server).request("GET", "/authorize", params=query(code_only, response_type="token"))
    location = urlsplit(response.headers["location"])
    assert response.status_code == 302 and not location.fragment
    found = parse_qs(location.query)
    assert (found["error"], found["state"]) == (["unauthorized_client"], ["xyz"])


def test_signup_page_creates_the_user_and_logs_in(server: Server, app: dict) -> None:
    browser = Browser(server)
    page = browser.authorize(query(app, screen_hint="signup"))
    assert page.status_code == 200 and 'action="/u/signup"' in page.text
    state = form_state(page)

    weak = browser.request(
        "POST", "/u/signup", data={"state": state, "email": "new@example.com", "password": "short"}
    )
    assert weak.status_code == 400 and "too weak" in weak.text
    made = browser.request(
        "POST",
        "/u/signup",
        data={"state": state, "email": "new@example.com", "password": "long enough pw"},
    )
    assert "code" in redirect_params(made)


def test_login_page_speaks_the_users_language(server: Server, app: dict) -> None:
    browser = Browser(server)
    french = browser.authorize(query(app, ui_locales="fr-CA"))
    assert '<html lang="fr" dir="ltr">' in french.text and "Mot de passe" in french.text
    browser.http.headers["Accept-Language"] = "sv;q=0.9, fr;q=0.8"  # sent on every request; no Swedish
    by_header = browser.authorize(query(app))
    assert "Mot de passe" in by_header.text
    del browser.http.headers["Accept-Language"]
    english = browser.authorize(query(app))
    assert '<label for="password">Password</label>' in english.text


def test_login_page_is_not_frameable_and_not_cached(server: Server, app: dict) -> None:
    browser = Browser(server)
    page = browser.authorize(query(app))
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


def test_redirect_uri_mismatch_at_the_token_endpoint(server: Server, app: dict) -> None:
    verifier, challenge = pkce_pair()
    code = redirect_params(Browser(server).login(query(app, code_challenge=challenge), EMAIL, PASSWORD))[
        "code"
    ]
    with server.client() as http:
        response = http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "client_id": app["client_id"],
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": CALLBACK + "/other",
            },
            headers={"Origin": ORIGIN},
        )
    assert response.status_code == 403 and response.json()["error"] == "invalid_grant"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_garbage_codes_and_refresh_tokens(server: Server, app: dict) -> None:
    with server.client() as http:
        for grant, field in (("authorization_code", "code"), ("refresh_token", "refresh_token")):
            for value in ("x", "a" * 64 + "." + "b" * 43, "../../etc/passwd"):
                response = http.post(
                    "/oauth/token",
                    data={
                        "grant_type": grant,
                        "client_id": app["client_id"],
                        field: value,
                        "redirect_uri": CALLBACK,
                        "code_verifier": "v" * 43,
                    },
                )
                assert response.status_code == 403, response.text
                assert response.json()["error"] == "invalid_grant"


def test_wrong_password_does_not_leak_whether_the_user_exists(server: Server, app: dict) -> None:
    unknown = Browser(server).login(query(app), "nobody@example.com", PASSWORD)
    wrong = Browser(server).login(query(app), EMAIL, "wrong password")
    assert unknown.status_code == wrong.status_code == 400
    assert "Wrong email or password." in unknown.text and "Wrong email or password." in wrong.text


def test_unknown_query_parameters_are_ignored(server: Server, app: dict) -> None:
    browser = signed_in(server, app)
    response = browser.request(
        "GET", "/authorize", params=query(app, auth0Client="eyJuYW1lIjoieCJ9", foo="bar")
    )
    assert "code" in parse_qs(urlsplit(response.headers["location"]).query)


def test_tenant_branding_and_password_policy(server: Server, app: dict) -> None:
    server.cli(
        "tenants",
        "update",
        "--primary-color",
        "#ff0066",
        "--logo-url",
        "https://cdn.example/logo.png",
        "--password-min-length",
        "10",
    )
    browser = Browser(server)
    page = browser.authorize(query(app, screen_hint="signup"))
    assert "--primary: #ff0066" in page.text and 'src="https://cdn.example/logo.png"' in page.text
    state = form_state(page)

    short = browser.request(
        "POST",
        "/u/signup",
        data={"state": state, "email": "b@example.com", "password": "ninechars"},
    )
    assert short.status_code == 400 and "at least 10" in short.text
    server.cli("tenants", "update", "--password-min-length", "8")
