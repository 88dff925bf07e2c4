"""`/roles`, role permissions and members, `/users/{id}/roles|permissions` (Auth0 RBAC admin)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.management.conftest import Management, grant_management

PASSWORD = "roles-password-1"


def make_user(api: httpx.Client) -> str:
    email = f"roles-{secrets.token_hex(4)}@example.com"
    created = api.post(
        "/users",
        json={"connection": "Username-Password-Authentication", "email": email, "password": PASSWORD},
    )
    assert created.status_code == 201, created.text
    return created.json()["user_id"]


def make_api(api: httpx.Client, scopes: list[str], **switches: Any) -> tuple[str, str]:
    """An API with these scopes; its identifier and id."""
    identifier = f"https://rbac-{secrets.token_hex(4)}.test/"
    body = {"identifier": identifier, "scopes": [{"value": s, "description": s.upper()} for s in scopes]}
    created = api.post("/resource-servers", json={**body, **switches})
    assert created.status_code == 201, created.text
    return identifier, created.json()["id"]


def permission(identifier: str, name: str) -> dict[str, str]:
    return {"resource_server_identifier": identifier, "permission_name": name}


def test_role_lifecycle_permissions_and_members(mgmt: Management) -> None:
    with mgmt.api() as api:
        identifier, _ = make_api(api, ["read:a", "write:a"])
        role = api.post("/roles", json={"name": f"editor-{secrets.token_hex(3)}", "description": "Edits"})
        assert role.status_code == 200, role.text
        role_id = role.json()["id"]
        assert role_id.startswith("rol_")
        assert api.post("/roles", json={"name": role.json()["name"]}).status_code == 409

        listed = api.get("/roles", params={"include_totals": "true", "name_filter": "EDITOR"}).json()
        assert role_id in [r["id"] for r in listed["roles"]] and listed["total"] >= 1
        assert (
            api.patch(f"/roles/{role_id}", json={"description": "Writes"}).json()["description"] == "Writes"
        )

        added = api.post(
            f"/roles/{role_id}/permissions", json={"permissions": [permission(identifier, "write:a")]}
        )
        assert added.status_code == 201, added.text
        perms = api.get(f"/roles/{role_id}/permissions").json()
        assert perms == [
            {
                "resource_server_identifier": identifier,
                "permission_name": "write:a",
                "resource_server_name": identifier,
                "description": "WRITE:A",
            }
        ]
        undefined = api.post(
            f"/roles/{role_id}/permissions", json={"permissions": [permission(identifier, "x")]}
        )
        assert undefined.status_code == 400
        unknown_api = api.post(
            f"/roles/{role_id}/permissions", json={"permissions": [permission("https://nope.test/", "x")]}
        )
        assert unknown_api.status_code == 404

        user_id = make_user(api)
        assert api.post(f"/roles/{role_id}/users", json={"users": [user_id]}).status_code == 204
        assert api.get(f"/users/{user_id}/roles").json()[0]["id"] == role_id
        assert [u["user_id"] for u in api.get(f"/roles/{role_id}/users").json()] == [user_id]
        assert api.post(f"/roles/{role_id}/users", json={"users": ["auth0|nobody"]}).status_code == 404

        direct = api.post(
            f"/users/{user_id}/permissions", json={"permissions": [permission(identifier, "write:a")]}
        )
        assert direct.status_code == 201
        sources = api.get(f"/users/{user_id}/permissions").json()
        assert len(sources) == 1
        assert {s["source_type"] for s in sources[0]["sources"]} == {"DIRECT", "ROLE"}

        removed = api.request("DELETE", f"/users/{user_id}/roles", json={"roles": [role_id]})
        assert removed.status_code == 204 and api.get(f"/users/{user_id}/roles").json() == []
        assert api.delete(f"/roles/{role_id}").status_code == 204
        assert api.get(f"/roles/{role_id}").json()["errorCode"] == "inexistent_role"


def test_management_api_permissions_use_the_public_audience(mgmt: Management) -> None:
    with mgmt.api() as api:
        role_id = api.post("/roles", json={"name": f"auditor-{secrets.token_hex(3)}"}).json()["id"]
        body = {"permissions": [permission(mgmt.audience, "read:logs")]}
        assert api.post(f"/roles/{role_id}/permissions", json=body).status_code == 201
        assert (
            api.get(f"/roles/{role_id}/permissions").json()[0]["resource_server_identifier"] == mgmt.audience
        )


def test_tenant_isolation(mgmt: Management) -> None:
    other = grant_management(mgmt.server, "rolesother")
    with mgmt.api() as api, other.api() as other_api:
        role_id = api.post("/roles", json={"name": f"mine-{secrets.token_hex(3)}"}).json()["id"]
        user_id = make_user(api)
        assert other_api.get(f"/roles/{role_id}").status_code == 404
        assert other_api.patch(f"/roles/{role_id}", json={"name": "stolen"}).status_code == 404
        assert other_api.delete(f"/roles/{role_id}").status_code == 404
        assert role_id not in [r["id"] for r in other_api.get("/roles").json()]
        other_role = other_api.post("/roles", json={"name": "theirs"}).json()["id"]
        assert other_api.post(f"/roles/{other_role}/users", json={"users": [user_id]}).status_code == 404
        assert other_api.get(f"/users/{user_id}/roles").status_code == 404
        assert api.get(f"/roles/{role_id}").status_code == 200
