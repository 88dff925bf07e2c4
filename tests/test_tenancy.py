"""Tenant isolation by Host header (design.md, "Tenancy")."""

from __future__ import annotations

import pytest

from tests.conftest import M2MApp, Server, make_m2m_app

AUDIENCE = "https://shared-name.example/"


@pytest.fixture(scope="module")
def apps(server: Server) -> dict[str, M2MApp]:
    server.cli("tenants", "create", "alpha")
    server.cli("tenants", "create", "beta")
    return {t: make_m2m_app(server, AUDIENCE, ["s:1"], tenant=t) for t in ("alpha", "beta")}


def token_response(server: Server, tenant: str, app: M2MApp):
    with server.client(tenant) as http:
        return http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "audience": AUDIENCE,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            },
        )


def test_each_tenant_issues_with_its_own_issuer(server: Server, apps: dict[str, M2MApp]) -> None:
    for tenant, app in apps.items():
        with server.client(tenant) as http:
            doc = http.get("/.well-known/openid-configuration").json()
        assert doc["issuer"] == f"{server.host_origin(tenant)}/"
        assert token_response(server, tenant, app).status_code == 200


def test_app_of_one_tenant_is_rejected_on_another(server: Server, apps: dict[str, M2MApp]) -> None:
    response = token_response(server, "beta", apps["alpha"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_app_of_a_tenant_is_rejected_on_the_default_host(server: Server, apps: dict[str, M2MApp]) -> None:
    with server.client() as http:
        response = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "audience": AUDIENCE,
                "client_id": apps["alpha"].client_id,
                "client_secret": apps["alpha"].client_secret,
            },
        )
    assert response.status_code == 401


def test_keys_are_per_tenant(server: Server, apps: dict[str, M2MApp]) -> None:
    kids = {}
    for tenant in ("alpha", "beta"):
        with server.client(tenant) as http:
            kids[tenant] = {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]}
    with server.client() as http:
        kids["default"] = {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]}
    assert not kids["alpha"] & kids["beta"]
    assert not kids["alpha"] & kids["default"]


def test_unknown_tenant_host_is_not_served(server: Server) -> None:
    with server.client("nosuchtenant") as http:
        response = http.get("/.well-known/openid-configuration")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
