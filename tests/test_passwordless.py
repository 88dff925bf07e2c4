"""Passwordless email (Auth0's `email` connection): `/passwordless/start`, the OTP grant, magic
links and the hosted page's code form, with auth0-python where it has a call for it."""

from __future__ import annotations

import pytest
from auth0.authentication import GetToken, Passwordless
from auth0.authentication.exceptions import Auth0Error

from tests.browser import Browser, code_query, pkce_pair
from tests.conftest import Server

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


def test_wrong_codes_fail_then_lock(server: Server, app: dict) -> None:
    get_token = GetToken(server.domain, app["client_id"], protocol="http")
    email = "locked-otp@example.com"
    for _ in range(9):
        with pytest.raises(Auth0Error) as wrong:
            get_token.passwordless_login(email, "000000", realm="email", scope="openid", audience="")
        assert (wrong.value.status_code, wrong.value.error_code) == (403, "invalid_grant")
        assert wrong.value.message == "Wrong email or verification code."
    with pytest.raises(Auth0Error):
        get_token.passwordless_login(email, "000000", realm="email", scope="openid", audience="")
    with pytest.raises(Auth0Error) as locked:
        get_token.passwordless_login(email, "123456", realm="email", scope="openid", audience="")
    assert (locked.value.status_code, locked.value.error_code) == (429, "too_many_attempts")


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


unused = Passwordless  # used by the email tests once mail delivery lands
