"""The password grants (Auth0 `password`, `password-realm`) through auth0-python `GetToken.login`."""

from __future__ import annotations

import pytest
from auth0.authentication import GetToken
from auth0.authentication.exceptions import Auth0Error
from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, TokenVerifier

from tests.conftest import Server

EMAIL, PASSWORD = "grace@example.com", "correct horse battery"
DATABASE = "Username-Password-Authentication"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


@pytest.fixture(scope="module")
def app(server: Server) -> dict:
    server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    grants = ["password", PASSWORD_REALM, "refresh_token"]
    return server.cli("apps", "create", "--name", "Native", "--type", "native", "--grants", ",".join(grants))


def get_token(server: Server, app: dict) -> GetToken:
    return GetToken(server.domain, app["client_id"], protocol="http")


def test_password_realm_login_with_auth0_python(server: Server, app: dict) -> None:
    tokens = get_token(server, app).login(
        EMAIL, PASSWORD, realm=DATABASE, scope="openid email offline_access"
    )
    verifier = AsymmetricSignatureVerifier(f"{server.origin}/.well-known/jwks.json")
    claims = TokenVerifier(verifier, f"{server.origin}/", app["client_id"]).verify(tokens["id_token"])
    assert claims["email"] == EMAIL
    assert "sid" not in claims  # no SSO session from the token endpoint
    assert tokens["scope"] == "openid email offline_access"
    refreshed = get_token(server, app).refresh_token(tokens["refresh_token"])
    assert refreshed["refresh_token"] != tokens["refresh_token"]


def test_password_grant_uses_the_database_connection(server: Server, app: dict) -> None:
    with server.client() as http:
        response = http.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "client_id": app["client_id"],
                "username": EMAIL,
                "password": PASSWORD,
            },
        )
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()  # no offline_access asked for


def test_wrong_password_is_auth0s_invalid_grant(server: Server, app: dict) -> None:
    with pytest.raises(Auth0Error) as error:
        get_token(server, app).login(EMAIL, "not the password", realm=DATABASE)
    assert (error.value.status_code, error.value.error_code) == (403, "invalid_grant")
    assert error.value.message == "Wrong email or password."
    with pytest.raises(Auth0Error) as unknown:
        get_token(server, app).login("nobody@example.com", PASSWORD, realm=DATABASE)
    assert unknown.value.message == "Wrong email or password."


def test_unknown_realm_and_disabled_grant_are_refused(server: Server, app: dict) -> None:
    with pytest.raises(Auth0Error) as realm:
        get_token(server, app).login(EMAIL, PASSWORD, realm="no-such-connection")
    assert (realm.value.status_code, realm.value.error_code) == (400, "invalid_request")
    spa = server.cli("apps", "create", "--name", "No password grant", "--type", "spa")
    with pytest.raises(Auth0Error) as grant:
        GetToken(server.domain, spa["client_id"], protocol="http").login(EMAIL, PASSWORD, realm=DATABASE)
    assert (grant.value.status_code, grant.value.error_code) == (403, "unauthorized_client")


def test_blocked_user_gets_unauthorized(server: Server, app: dict) -> None:
    email = "blocked-grant@example.com"
    user = server.cli("users", "create", "--email", email, "--password", PASSWORD)
    server.cli("users", "update", user["user_id"], "--blocked", "true")
    with pytest.raises(Auth0Error) as error:
        get_token(server, app).login(email, PASSWORD, realm=DATABASE)
    assert (error.value.status_code, error.value.error_code) == (401, "unauthorized")
