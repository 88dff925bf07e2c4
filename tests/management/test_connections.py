"""`/api/v2/connections`: CRUD, enabled clients, the database connection every tenant has, secrets
sealed at rest, and the KV snapshot the hosted login page reads."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import httpx
import pytest

from tests.management.conftest import Management, data_dir, grant_management

DATABASE = "Username-Password-Authentication"
GOOGLE_SECRET = "google-client-secret-that-must-be-sealed"


@pytest.fixture(scope="module")
def tenant(mgmt: Management) -> Management:
    """A tenant of its own, so its snapshot and connection list are this module's alone."""
    return grant_management(mgmt.server, "conn-a")


def snapshot(tenant: Management) -> list[dict[str, Any]]:
    with sqlite3.connect(data_dir(tenant) / "kv.sqlite") as db:
        row = db.execute("SELECT value FROM kv WHERE key = ?", (f"connections:{tenant.tenant}",)).fetchone()
    return json.loads(row[0])


def stored_options(tenant: Management, connection_id: str) -> str:
    with sqlite3.connect(data_dir(tenant) / "d1.sqlite") as db:
        query = "SELECT options FROM connections WHERE tenant_id = ? AND id = ?"
        return db.execute(query, (tenant.tenant, connection_id)).fetchone()[0]


def by_name(api: httpx.Client, name: str) -> dict[str, Any]:
    found = api.get("/connections", params={"name": name}).json()
    assert len(found) == 1, found
    return found[0]


def test_every_tenant_has_the_database_connection_enabled_for_its_apps(tenant: Management) -> None:
    with tenant.api() as api:
        database = by_name(api, DATABASE)
        assert database["strategy"] == "auth0" and database["realms"] == [DATABASE]
        assert tenant.client_id in database["enabled_clients"]
        app = api.post("/clients", json={"name": "New app", "app_type": "spa"}).json()
        assert app["client_id"] in api.get(f"/connections/{database['id']}").json()["enabled_clients"]
    published = {c["name"]: c for c in snapshot(tenant)}
    assert published[DATABASE]["strategy"] == "auth0"
    assert app["client_id"] in published[DATABASE]["enabled_clients"]


def test_tenant_flag_can_keep_new_apps_off_every_connection(mgmt: Management) -> None:
    """Auth0 `flags.enable_client_connections: false` (set in D1 here: tenant settings are another
    endpoint's; the server reads them per request)."""
    quiet = grant_management(mgmt.server, "conn-quiet")
    with sqlite3.connect(data_dir(quiet) / "d1.sqlite") as db:
        flags = json.dumps({"flags": {"enable_client_connections": False}})
        db.execute("UPDATE tenants SET settings = ? WHERE id = ?", (flags, quiet.tenant))
    with quiet.api() as api:
        app = api.post("/clients", json={"name": "Unlinked", "app_type": "spa"}).json()
        assert app["client_id"] not in by_name(api, DATABASE)["enabled_clients"]


def test_connection_lifecycle_with_a_sealed_secret(tenant: Management) -> None:
    with tenant.api() as api:
        app = api.post("/clients", json={"name": "Social app", "app_type": "spa"}).json()
        created = api.post(
            "/connections",
            json={
                "name": "google-oauth2",
                "strategy": "google-oauth2",
                "display_name": "Google",
                "options": {"client_id": "g-id", "client_secret": GOOGLE_SECRET, "scope": ["email"]},
                "enabled_clients": [app["client_id"]],
                "metadata": {"team": "growth"},
            },
        )
        assert created.status_code == 201, created.text
        connection = created.json()
        assert connection["id"].startswith("con_") and connection["realms"] == ["google-oauth2"]
        assert connection["options"]["client_secret"] == GOOGLE_SECRET
        assert connection["enabled_clients"] == [app["client_id"]]
        assert GOOGLE_SECRET not in stored_options(tenant, connection["id"])
        published = {c["name"]: c for c in snapshot(tenant)}["google-oauth2"]
        assert published["display_name"] == "Google" and published["enabled_clients"] == [app["client_id"]]
        assert published["options"] == {"client_id": "g-id", "scope": ["email"]}

        patched = api.patch(
            f"/connections/{connection['id']}",
            json={"options": {"client_id": "g-id-2", "client_secret": "rotated"}, "display_name": None},
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["options"] == {"client_id": "g-id-2", "client_secret": "rotated"}
        assert "display_name" not in api.get(f"/connections/{connection['id']}").json()
        assert "rotated" not in stored_options(tenant, connection["id"])

        listed = api.get(
            "/connections", params={"strategy": "google-oauth2", "include_totals": "true"}
        ).json()
        assert listed["total"] == 1 and listed["connections"][0]["id"] == connection["id"]
        selected = api.get(f"/connections/{connection['id']}", params={"fields": "name,strategy"}).json()
        assert selected == {"name": "google-oauth2", "strategy": "google-oauth2"}

        assert api.delete(f"/connections/{connection['id']}").status_code == 204
        assert api.get(f"/connections/{connection['id']}").json()["errorCode"] == "inexistent_connection"
        assert api.delete(f"/connections/{connection['id']}").status_code == 404
    assert "google-oauth2" not in {c["name"] for c in snapshot(tenant)}


def test_enabled_clients_api(tenant: Management) -> None:
    with tenant.api() as api:
        apps = [
            api.post("/clients", json={"name": f"E{n}", "app_type": "spa"}).json()["client_id"]
            for n in range(3)
        ]
        connection = api.post("/connections", json={"name": "partners", "strategy": "oidc"}).json()
        path = f"/connections/{connection['id']}/clients"
        assert api.get(path).json() == {"clients": []}

        enabled = api.patch(path, json=[{"client_id": c, "status": True} for c in apps])
        assert enabled.status_code == 204, enabled.text
        first = api.get(path, params={"take": 2}).json()
        second = api.get(path, params={"take": 2, "from": first["next"]}).json()
        assert "next" not in second
        assert sorted(c["client_id"] for c in first["clients"] + second["clients"]) == sorted(apps)

        assert api.patch(path, json=[{"client_id": apps[0], "status": False}]).status_code == 204
        remaining = {c["client_id"] for c in api.get(path).json()["clients"]}
        assert remaining == set(apps[1:])
        assert {c["name"]: c for c in snapshot(tenant)}["partners"]["enabled_clients"] == sorted(apps[1:])

        assert api.patch(path, json=[]).status_code == 400
        assert api.patch(path, json=[{"client_id": c, "status": True} for c in apps * 17]).status_code == 400
        unknown = api.patch(path, json=[{"client_id": "nope", "status": True}])
        assert unknown.status_code == 400 and unknown.json()["errorCode"] == "inexistent_client"
        assert api.get("/connections/con_missing/clients").status_code == 404

        assert api.delete(f"/clients/{apps[1]}").status_code == 204
        assert {c["client_id"] for c in api.get(path).json()["clients"]} == {apps[2]}


def test_delete_a_database_user_by_email(tenant: Management) -> None:
    email = "leaving@example.com"
    with tenant.api() as api:
        created = api.post(
            "/users", json={"connection": DATABASE, "email": email, "password": "leaving-pass-1"}
        )
        assert created.status_code == 201, created.text
        database = by_name(api, DATABASE)
        assert api.delete(f"/connections/{database['id']}/users", params={"email": email}).status_code == 204
        assert api.get("/users-by-email", params={"email": email}).json() == []
        social = api.post("/connections", json={"name": "github", "strategy": "github"}).json()
        refused = api.delete(f"/connections/{social['id']}/users", params={"email": email})
        assert refused.status_code == 400


def test_duplicates_and_bad_bodies(tenant: Management) -> None:
    with tenant.api() as api:
        duplicate = api.post("/connections", json={"name": DATABASE, "strategy": "auth0"})
        assert duplicate.status_code == 409 and duplicate.json()["statusCode"] == 409
        for body in (
            {"strategy": "auth0"},
            {"name": "has space", "strategy": "auth0"},
            {"name": "-leading", "strategy": "auth0"},
            {"name": "ok", "strategy": "Not A Strategy"},
            {"name": "ok", "strategy": "oidc", "options": []},
            {"name": "ok", "strategy": "oidc", "unknown": True},
            {"name": "ok", "strategy": "oidc", "metadata": {"k": 1}},
        ):
            bad = api.post("/connections", json=body)
            assert bad.status_code == 400 and bad.json()["errorCode"] == "invalid_body", (body, bad.text)
        nulls = api.post(
            "/connections", json={"name": "nulls", "strategy": "oidc", "is_domain_connection": None}
        )
        assert nulls.status_code == 201 and nulls.json()["is_domain_connection"] is False
        missing_client = api.post(
            "/connections", json={"name": "ok", "strategy": "oidc", "enabled_clients": ["x"]}
        )
        assert missing_client.status_code == 400
        database = by_name(api, DATABASE)
        for patch in ({"name": "renamed"}, {"strategy": "oidc"}, {"options": None}, {"realms": None}):
            assert api.patch(f"/connections/{database['id']}", json=patch).status_code == 400, patch
        assert api.patch("/connections/con_missing", json={"display_name": "x"}).status_code == 404


def test_tenant_isolation(tenant: Management) -> None:
    other = grant_management(tenant.server, "conn-b")
    with other.api() as api:
        theirs = api.post("/connections", json={"name": "b-only", "strategy": "oidc"}).json()
        their_app = api.post("/clients", json={"name": "B app"}).json()["client_id"]
    with tenant.api() as api:
        assert "b-only" not in [c["name"] for c in api.get("/connections").json()]
        assert api.get(f"/connections/{theirs['id']}").status_code == 404
        assert api.patch(f"/connections/{theirs['id']}", json={"display_name": "x"}).status_code == 404
        assert api.delete(f"/connections/{theirs['id']}").status_code == 404
        assert api.get(f"/connections/{theirs['id']}/clients").status_code == 404
        assert (
            api.patch(
                f"/connections/{theirs['id']}/clients", json=[{"client_id": "x", "status": True}]
            ).status_code
            == 404
        )
        mine = by_name(api, DATABASE)
        foreign = api.patch(
            f"/connections/{mine['id']}/clients", json=[{"client_id": their_app, "status": True}]
        )
        assert foreign.status_code == 400
    with other.api() as api:
        assert api.get(f"/connections/{theirs['id']}").status_code == 200
