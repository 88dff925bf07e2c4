"""`/dbconnections/signup`, `/dbconnections/change_password`, the reset and verification pages:
Auth0's answers, with auth0-python's `Database` where it has a call for it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from auth0.authentication import Database, GetToken
from auth0.authentication.exceptions import Auth0Error

from tests.conftest import Server
from tests.mail_support import email_link, id_token_claims, last_email

DATABASE = "Username-Password-Authentication"
SENT = "We've just sent you an email to reset your password."
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


@pytest.fixture(scope="module")
def app(server: Server) -> dict:
    """A native app that may also use the password-realm grant (to check the new credentials)."""
    return server.cli(
        "apps",
        "create",
        "--name",
        "Signup app",
        "--type",
        "native",
        "--web-origins",
        "https://db.example",
        "--grants",
        f"authorization_code,refresh_token,{PASSWORD_REALM}",
    )


def login(server: Server, app: dict, email: str, password: str, scope: str = "openid email") -> dict:
    """Tokens by the password-realm grant: proves which password works now."""
    get_token = GetToken(server.domain, app["client_id"], protocol="http")
    return get_token.login(email, password, realm=DATABASE, scope=scope)


def database(server: Server, app: dict) -> Database:
    return Database(server.domain, app["client_id"], protocol="http")


def test_signup_refusals_are_auth0s(server: Server, app: dict) -> None:
    server.cli("users", "create", "--email", "taken@example.com", "--password", "a good password")
    with pytest.raises(Auth0Error) as taken:
        database(server, app).signup("taken@example.com", "another good password", DATABASE)
    assert (taken.value.status_code, taken.value.error_code) == (400, "invalid_signup")
    with server.client() as http:  # Auth0's exact body (auth0-python reads only the code of it)
        body = {"client_id": app["client_id"], "connection": DATABASE, "email": "taken@example.com"}
        raw = http.post("/dbconnections/signup", json={**body, "password": "another good password"}).json()
    assert raw == {
        "name": "BadRequestError",
        "code": "invalid_signup",
        "description": "Invalid sign up",
        "statusCode": 400,
    }
    with pytest.raises(Auth0Error) as weak:
        database(server, app).signup("weak@example.com", "short", DATABASE)
    assert weak.value.error_code == "invalid_password"
    with pytest.raises(Auth0Error) as connection:
        database(server, app).signup("x@example.com", "a good password", "no-such-connection")
    assert connection.value.error_code == "bad.connection"


def test_signup_bad_input_is_never_a_server_error(server: Server, app: dict) -> None:
    bodies = [
        {"client_id": app["client_id"], "connection": DATABASE, "email": "a@example.com"},
        {
            "client_id": app["client_id"],
            "connection": DATABASE,
            "email": "nope",
            "password": "a good password",
        },
        {"client_id": app["client_id"], "connection": DATABASE, "email": 5, "password": "a good password"},
        {
            "client_id": app["client_id"],
            "connection": DATABASE,
            "email": "b@example.com",
            "password": "a good password",
            "user_metadata": "no",
        },
        {
            "client_id": app["client_id"],
            "connection": DATABASE,
            "email": "b@example.com",
            "password": "a good password",
            "given_name": {"x": 1},
        },
        {
            "client_id": "unknown",
            "connection": DATABASE,
            "email": "b@example.com",
            "password": "a good password",
        },
    ]
    with server.client() as http:
        for body in bodies:
            response = http.post("/dbconnections/signup", json=body)
            assert response.status_code == 400, (body, response.text)
            assert {"name", "code", "description", "statusCode"} <= set(response.json())
        garbage = http.post(
            "/dbconnections/signup", content=b"[1]", headers={"Content-Type": "application/json"}
        )
        assert garbage.status_code == 400


def test_change_password_answers_alike_for_unknown_emails(server: Server, app: dict) -> None:
    assert database(server, app).change_password("nobody@example.com", DATABASE) == SENT
    with pytest.raises(Auth0Error):
        database(server, app).change_password("nobody@example.com", "no-such-connection")


def test_forged_tickets_change_nothing(server: Server) -> None:
    forged = "0" * 64 + "." + "A" * 43
    with server.client() as http:
        for ticket in ("", "nonsense", forged):
            page = http.post(
                "/lo/reset",
                data={"ticket": ticket, "password": "a new password", "confirm": "a new password"},
            )
            assert page.status_code == 400
            assert http.get("/u/email-verification", params={"ticket": ticket}).status_code == 400
        differ = http.post(
            "/lo/reset", data={"ticket": forged, "password": "a new password", "confirm": "other"}
        )
        assert differ.status_code == 400 and "do not match" in differ.text
        form = http.get("/lo/reset", params={"ticket": forged})
        assert form.status_code == 200 and 'action="/lo/reset"' in form.text


def test_cors_only_for_the_apps_origins(server: Server, app: dict) -> None:
    body = {"client_id": app["client_id"], "connection": DATABASE, "email": "nobody@example.com"}
    with server.client() as http:
        allowed = http.post(
            "/dbconnections/change_password", json=body, headers={"Origin": "https://db.example"}
        )
        other = http.post(
            "/dbconnections/change_password", json=body, headers={"Origin": "https://evil.example"}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://db.example"
    assert "access-control-allow-origin" not in other.headers


def test_signup_verification_and_welcome(server: Server, app: dict) -> None:
    email = "Verify.Me@example.com"
    created = database(server, app).signup(
        email, "a good password", DATABASE, given_name="Ver", user_metadata={"plan": "free"}
    )
    assert created["email"] == email.lower() and created["email_verified"] is False
    assert created["given_name"] == "Ver" and created["_id"]
    verification = last_email(server, email)
    assert (
        verification["template"] == "verify_email"
        and verification["subject"] == "Verify your email for Signup app"
    )
    link = email_link(server, email)
    with server.client() as http:
        done = http.get(link)
        assert done.status_code == 200 and "verified" in done.text
        assert http.get(link).status_code == 400  # once
    welcome = last_email(server, email, 2)
    assert welcome["template"] == "welcome_email"
    tokens = login(server, app, email, "a good password")
    assert id_token_claims(server, app, tokens["id_token"])["email_verified"] is True


def test_reset_password_by_email(server: Server, app: dict) -> None:
    email = "forgetful@example.com"
    server.cli("users", "create", "--email", email, "--password", "the old password")
    refresh = login(server, app, email, "the old password", "openid offline_access")["refresh_token"]
    assert database(server, app).change_password(email, DATABASE) == SENT
    reset = last_email(server, email)
    assert reset["template"] == "reset_email"
    link = email_link(server, email)
    with server.client() as http:
        form = http.get(link)
        assert form.status_code == 200 and 'name="ticket"' in form.text
        ticket = parse_qs(urlsplit(link).query)["ticket"][0]
        weak = http.post("/lo/reset", data={"ticket": ticket, "password": "short", "confirm": "short"})
        assert weak.status_code == 400  # the ticket is not spent by a refused password
        body = {"ticket": ticket, "password": "the new password", "confirm": "the new password"}
        assert http.post("/lo/reset", data=body).status_code == 200
        assert http.post("/lo/reset", data=body).status_code == 400  # once
    with pytest.raises(Auth0Error):
        login(server, app, email, "the old password")
    assert login(server, app, email, "the new password")["access_token"]
    with server.client() as http:  # the reset revoked the refresh tokens issued before it
        refused = http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "client_id": app["client_id"], "refresh_token": refresh},
        )
    assert refused.status_code == 403


def test_signup_email_in_the_requested_language(server: Server, app: dict) -> None:
    email = "french@example.com"
    with server.client() as http:
        body = {
            "client_id": app["client_id"],
            "connection": DATABASE,
            "email": email,
            "password": "a good password",
        }
        assert (
            http.post(
                "/dbconnections/signup", json=body, headers={"Accept-Language": "fr-FR,fr;q=0.9"}
            ).status_code
            == 200
        )
    verification = last_email(server, email)
    assert verification["locale"] == "fr" and verification["subject"].startswith("Vérifiez")
