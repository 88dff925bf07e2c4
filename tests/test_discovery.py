"""Discovery and JWKS: the documents every SDK reads first (docs/auth0-contract.md, "Issuer", "Tokens and
keys")."""

from __future__ import annotations

from tests.conftest import Server


def test_openid_configuration(server: Server) -> None:
    with server.client() as http:
        response = http.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    issuer = f"{server.origin}/"
    assert doc["issuer"] == issuer
    assert doc["token_endpoint"] == f"{issuer}oauth/token"
    assert doc["jwks_uri"] == f"{issuer}.well-known/jwks.json"
    assert doc["authorization_endpoint"] == f"{issuer}authorize"
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert "client_credentials" in doc["grant_types_supported"]
    assert {"client_secret_basic", "client_secret_post"} <= set(doc["token_endpoint_auth_methods_supported"])
    assert response.headers["access-control-allow-origin"] == "*"


def test_issuer_follows_the_request_host(server: Server) -> None:
    with server.client() as http:
        doc = http.get(
            "/.well-known/openid-configuration", headers={"Host": f"127.0.0.1:{server.port}"}
        ).json()
    assert doc["issuer"] == f"http://127.0.0.1:{server.port}/"


def test_jwks_publishes_current_and_next(server: Server) -> None:
    with server.client() as http:
        response = http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) == 2
    assert len({k["kid"] for k in keys}) == 2
    for key in keys:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
        assert {"n", "e", "kid"} <= set(key)
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
        assert len(key["n"]) >= 342  # 2048-bit modulus, base64url
    assert "max-age" in response.headers["cache-control"]
    assert response.headers["access-control-allow-origin"] == "*"
