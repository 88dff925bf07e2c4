"""client_credentials at /oauth/token, driven by the official auth0-python SDK and raw HTTP."""

from __future__ import annotations

import base64

import jwt
import pytest
from auth0.authentication import GetToken

from tests.conftest import M2MApp, Server, make_m2m_app

AUDIENCE = "https://orders.example/"


@pytest.fixture(scope="module")
def app(server: Server) -> M2MApp:
    return make_m2m_app(server, AUDIENCE, ["read:orders", "write:orders"])


def verify(server: Server, token: str, audience: str = AUDIENCE) -> dict:
    """PyJWT against the served JWKS, exactly as an API protected by edgeauth would."""
    jwks = jwt.PyJWKClient(
        f"http://127.0.0.1:{server.port}/.well-known/jwks.json", headers={"Host": server.domain}
    )
    key = jwks.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=f"{server.origin}/")


def test_auth0_python_get_token_client_credentials(server: Server, app: M2MApp) -> None:
    get_token = GetToken(server.domain, app.client_id, client_secret=app.client_secret, protocol="http")
    response = get_token.client_credentials(AUDIENCE)
    assert response["token_type"] == "Bearer"
    assert response["expires_in"] == 86400
    assert response["scope"] == "read:orders write:orders"
    claims = verify(server, response["access_token"])
    assert claims["sub"] == f"{app.client_id}@clients"
    assert claims["azp"] == app.client_id
    assert claims["gty"] == "client-credentials"
    assert claims["scope"] == "read:orders write:orders"
    assert claims["exp"] - claims["iat"] == 86400
    header = jwt.get_unverified_header(response["access_token"])
    assert header["alg"] == "RS256" and header["kid"]


def test_client_secret_basic_and_json_body(server: Server, app: M2MApp) -> None:
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    with server.client() as http:
        by_basic = http.post(
            "/oauth/token",
            headers={"Authorization": f"Basic {basic}"},
            data={"grant_type": "client_credentials", "audience": AUDIENCE},
        )
        by_json = http.post(
            "/oauth/token",
            json={
                "grant_type": "client_credentials",
                "audience": AUDIENCE,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            },
        )
    for response in (by_basic, by_json):
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-type"].startswith("application/json")
        verify(server, response.json()["access_token"])


def test_scope_narrowing(server: Server, app: M2MApp) -> None:
    response = server.token(app, scope="read:orders")
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read:orders"
    assert verify(server, response.json()["access_token"])["scope"] == "read:orders"


def test_cors_preflight_allows_auth0_client_header(server: Server) -> None:
    with server.client() as http:
        response = http.options(
            "/oauth/token",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,auth0-client",
            },
        )
    assert response.status_code == 204
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed and "auth0-client" in allowed
    assert response.headers["access-control-allow-origin"] == "https://app.example"


def test_changes_take_effect_without_restart(server: Server) -> None:
    """An app made by the CLI while the server runs is usable at once."""
    fresh = make_m2m_app(server, "https://fresh.example/", ["x:y"])
    response = server.token(fresh)
    assert response.status_code == 200, response.text
