"""Tenant admins: a signed-in user of the default tenant who may create tenants creates one through
`POST /api/v2/tenants` and then manages it with their own token; nobody else does."""

from __future__ import annotations

import sqlite3

import httpx
import jwt

from tests.management.conftest import Management, grant_management, user_access_token


def signed_in(mgmt: Management, email: str, verified: bool = True) -> tuple[str, dict]:
    """A default-tenant user's token for the default tenant's Management API, and its claims."""
    password = "correct-horse-battery-1"
    flags = ["--email-verified"] if verified else []
    mgmt.server.cli("users", "create", "--email", email, "--password", password, *flags)
    token = user_access_token(mgmt.server, email, password, mgmt.audience, "openid")
    return token, jwt.decode(token, options={"verify_signature": False})


def as_user(mgmt: Management, token: str, tenant: str = "") -> httpx.Client:
    """`/api/v2` of `tenant` (default: the default tenant) with a user's token."""
    host = f"{tenant}.localhost:{mgmt.server.port}" if tenant else mgmt.server.domain
    headers = {"Host": host, "Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=f"{mgmt.server.base_url}/api/v2", headers=headers, timeout=30)


def test_a_tenant_creator_administers_that_tenant_only(mgmt: Management) -> None:
    server = mgmt.server
    alice, claims = signed_in(mgmt, "alice@admins.example")
    bob, _ = signed_in(mgmt, "bob@admins.example")
    globex = grant_management(server, "globex")
    with as_user(mgmt, alice) as api:
        refused = api.post("/tenants", json={"id": "acme"})
        assert refused.status_code == 403 and refused.json()["errorCode"] == "insufficient_scope"
        server.cli("tenants", "add-admin", "--issuer", claims["iss"], "--subject", claims["sub"])
        created = api.post("/tenants", json={"id": "acme", "friendly_name": "Acme"})
        assert created.status_code == 201, created.text
        assert created.json() == {"id": "acme", "friendly_name": "Acme"}
        assert api.post("/tenants", json={"id": "acme"}).status_code == 409
        assert api.post("/tenants", json={"id": "Not A Tenant"}).status_code == 400

    with as_user(mgmt, alice, "acme") as api:
        listed = api.get("/resource-servers")
        assert listed.status_code == 200, listed.text
        assert [s["identifier"] for s in listed.json()] == [f"http://acme.localhost:{server.port}/api/v2/"]
        assert api.post("/tenants", json={"id": "acme-child"}).status_code == 403
    with as_user(mgmt, bob, "acme") as api:
        assert api.get("/resource-servers").status_code == 401
    with as_user(mgmt, alice, globex.tenant) as api:
        assert api.get("/resource-servers").status_code == 401


def test_an_admin_grant_needs_a_live_user_with_a_verified_email(mgmt: Management) -> None:
    """docs/security.md "Tenant admins": a grant to a user of this deployment counts only while
    that user exists, is not blocked and has proven its email; deleting the user removes its grants,
    and whoever signs up again with that email is someone else (a new `sub`)."""
    server = mgmt.server
    unverified, claims = signed_in(mgmt, "carol@admins.example", verified=False)
    server.cli("tenants", "add-admin", "--issuer", claims["iss"], "--subject", claims["sub"])
    with as_user(mgmt, unverified) as api:
        assert api.get("/resource-servers").status_code == 403

    dave, claims = signed_in(mgmt, "dave@admins.example")
    server.cli("tenants", "add-admin", "--issuer", claims["iss"], "--subject", claims["sub"])
    with as_user(mgmt, dave) as api:
        assert api.get("/resource-servers").status_code == 200
    with mgmt.api() as api:
        assert api.delete(f"/users/{claims['sub']}").status_code == 204
    with as_user(mgmt, dave) as api:
        assert api.get("/resource-servers").status_code == 403
    again, new_claims = signed_in(mgmt, "dave@admins.example")
    assert new_claims["sub"] != claims["sub"]
    with as_user(mgmt, again) as api:
        assert api.get("/resource-servers").status_code == 403
    with sqlite3.connect(server.data / "d1.sqlite") as db:
        (grants,) = db.execute(
            "SELECT count(*) FROM user_tenants WHERE subject = ?", (claims["sub"],)
        ).fetchone()
    assert grants == 0
