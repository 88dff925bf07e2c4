"""Tenant isolation by Host header (docs/security.md, "Hosts and origins")."""

from __future__ import annotations

import pytest

from tests.conftest import M2MApp, Server, make_m2m_app

AUDIENCE = "https://shared-name.example/"


@pytest.fixture(scope="module")
def apps(server: Server) -> dict[str, M2MApp]:
    server.cli("tenants", "create", "alpha")
    server.cli("tenants", "create", "beta")
    return {t: make_m2m_app(server, AUDIENCE, ["s:1"], tenant=t) for t in ("alpha", "beta")}


def test_each_tenant_issues_with_its_own_issuer(server: Server, apps: dict[str, M2MApp]) -> None:
    for tenant, app in apps.items():
        with server.client(tenant) as http:
            doc = http.get("/.well-known/openid-configuration").json()
        assert doc["issuer"] == f"{server.host_origin(tenant)}/"
        assert server.token(app, tenant).status_code == 200


def test_app_of_one_tenant_is_rejected_on_another(server: Server, apps: dict[str, M2MApp]) -> None:
    response = server.token(apps["alpha"], "beta")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_app_of_a_tenant_is_rejected_on_the_default_host(server: Server, apps: dict[str, M2MApp]) -> None:
    response = server.token(apps["alpha"])
    assert response.status_code == 401


def test_keys_are_per_tenant(server: Server, apps: dict[str, M2MApp]) -> None:
    kids = {tenant: set(server.jwks(tenant or None)) for tenant in ("alpha", "beta", "")}
    kids["default"] = kids.pop("")
    assert not kids["alpha"] & kids["beta"]
    assert not kids["alpha"] & kids["default"]


def test_unknown_tenant_host_is_not_served(server: Server) -> None:
    with server.client("nosuchtenant") as http:
        response = http.get("/.well-known/openid-configuration")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
