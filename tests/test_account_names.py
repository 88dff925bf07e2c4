"""A `sub` is never reassigned, and only a user's current email reaches it (docs/security.md
"Names and ids"). Both modes, with auth0-python where it has a call.

Regressions of the security review: a deleted user's email signed up again got the same `sub`; after
an email change, the old address logged in as the user through an email code (verifying the new,
unproven address and deleting the password on the way); admin changes left tokens alive."""

from __future__ import annotations

import pytest
from auth0.authentication import Database, GetToken, Passwordless
from auth0.authentication.exceptions import Auth0Error

from tests.browser import pkce_pair, redirect_params
from tests.conftest import Server
from tests.mail_support import email_code, email_link, id_token_claims

DATABASE = "Username-Password-Authentication"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
OTP = "http://auth0.com/oauth/grant-type/passwordless/otp"
PASSWORD = "names password 1"
CALLBACK = "https://names.example/cb"


@pytest.fixture(scope="module")
def app(server: Server) -> dict:
    grants = f"authorization_code,refresh_token,password,{PASSWORD_REALM},{OTP}"
    created = server.cli(
        "apps", "create", "--name", "Names", "--type", "native", "--callbacks", CALLBACK, "--grants", grants
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


def get_token(server: Server, app: dict) -> GetToken:
    return GetToken(server.domain, app["client_id"], protocol="http")


def login(server: Server, app: dict, email: str, password: str = PASSWORD) -> dict:
    scope = "openid email offline_access"
    return get_token(server, app).login(email, password, realm=DATABASE, scope=scope)


def otp_login(server: Server, app: dict, email: str, count: int = 1) -> dict:
    Passwordless(server.domain, app["client_id"], protocol="http").email(email, send="code")
    code = email_code(server, email, count)
    return get_token(server, app).passwordless_login(
        email, code, realm="email", scope="openid email", audience=""
    )


def test_a_deleted_users_email_signs_up_with_a_new_sub(server: Server, app: dict) -> None:
    first = server.cli("users", "create", "--email", "gone@example.com", "--password", PASSWORD)
    server.cli("users", "delete", first["user_id"])
    again = Database(server.domain, app["client_id"], protocol="http").signup(
        "gone@example.com", PASSWORD, connection=DATABASE
    )
    tokens = login(server, app, "gone@example.com")
    sub = id_token_claims(server, app, tokens["id_token"])["sub"]
    assert sub != first["user_id"] and sub == f"auth0|{again['_id']}"
    assert server.cli("users", "get", sub)["email"] == "gone@example.com"


def test_after_an_email_change_the_old_address_reaches_nobody(server: Server, app: dict) -> None:
    user = server.cli(
        "users", "create", "--email", "old@example.com", "--password", PASSWORD, "--email-verified"
    )
    server.cli("users", "update", user["user_id"], "--email", "new@example.com")

    with pytest.raises(Auth0Error) as refused:
        login(server, app, "old@example.com")
    assert refused.value.message == "Wrong email or password."

    # An email code to the old mailbox signs up someone new; the user is untouched.
    stranger = id_token_claims(server, app, otp_login(server, app, "old@example.com")["id_token"])
    assert stranger["sub"] != user["user_id"] and stranger["email"] == "old@example.com"
    moved = server.cli("users", "get", user["user_id"])
    assert moved["email"] == "new@example.com" and moved["email_verified"] is False
    assert login(server, app, "new@example.com")["id_token"]  # the password was not dropped

    # A magic link to the old mailbox reaches that new user, never the original one.
    verifier, challenge = pkce_pair()
    auth_params = {"redirect_uri": CALLBACK, "response_type": "code", "scope": "openid"}
    auth_params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    with server.client() as http:
        started = http.post(
            "/passwordless/start",
            json={
                "client_id": app["client_id"],
                "connection": "email",
                "email": "old@example.com",
                "send": "link",
                "authParams": auth_params,
            },
        )
        assert started.status_code == 200, started.text
        assert "_id" in started.json() and user["user_id"].partition("|")[2][:64] not in started.text
        code = redirect_params(http.get(email_link(server, "old@example.com", count=2)))["code"]
    tokens = get_token(server, app).authorization_code_pkce(verifier, code, CALLBACK)
    assert id_token_claims(server, app, tokens["id_token"])["sub"] == stranger["sub"]
    assert server.cli("users", "get", user["user_id"])["email_verified"] is False


def test_the_old_address_signs_up_again(server: Server, app: dict) -> None:
    user = server.cli("users", "create", "--email", "was@example.com", "--password", PASSWORD)
    server.cli("users", "update", user["user_id"], "--email", "is@example.com")
    signed_up = Database(server.domain, app["client_id"], protocol="http").signup(
        "was@example.com", "another password 2", connection=DATABASE
    )
    assert f"auth0|{signed_up['_id']}" != user["user_id"]
    assert login(server, app, "was@example.com", "another password 2")["id_token"]
    assert login(server, app, "is@example.com")["id_token"]


@pytest.mark.parametrize(
    "change",
    [("--password", "a brand new password"), ("--blocked", "true"), ("--email", "changed@example.com")],
    ids=["password", "blocked", "email"],
)
def test_an_admin_change_revokes_refresh_tokens(server: Server, app: dict, change: tuple[str, str]) -> None:
    email = f"revoke-{change[0].strip('-')}@example.com"
    user = server.cli("users", "create", "--email", email, "--password", PASSWORD)
    tokens = login(server, app, email)
    server.cli("users", "update", user["user_id"], *change)
    with pytest.raises(Auth0Error) as refused:
        get_token(server, app).refresh_token(tokens["refresh_token"])
    assert refused.value.error_code == "invalid_grant"


def test_a_refresh_while_blocked_is_refused(server: Server, app: dict) -> None:
    user = server.cli("users", "create", "--email", "blocked@example.com", "--password", PASSWORD)
    tokens = login(server, app, "blocked@example.com")
    server.cli("users", "update", user["user_id"], "--blocked", "true")
    with pytest.raises(Auth0Error) as refused:
        get_token(server, app).refresh_token(tokens["refresh_token"])
    assert refused.value.error_code == "invalid_grant"
    with pytest.raises(Auth0Error) as blocked:
        login(server, app, "blocked@example.com")
    assert blocked.value.error_code == "unauthorized"
