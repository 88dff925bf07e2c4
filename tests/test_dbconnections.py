"""`/dbconnections/signup`, `/dbconnections/change_password`, the reset and verification pages:
Auth0's answers, with auth0-python's `Database` where it has a call for it."""

from __future__ import annotations

import pytest
from auth0.authentication import Database
from auth0.authentication.exceptions import Auth0Error

from tests.conftest import Server

DATABASE = "Username-Password-Authentication"
SENT = "We've just sent you an email to reset your password."


@pytest.fixture(scope="module")
def app(server: Server) -> dict:
    return server.cli(
        "apps", "create", "--name", "Signup app", "--type", "spa", "--web-origins", "https://db.example"
    )


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
