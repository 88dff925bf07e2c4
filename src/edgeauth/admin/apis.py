"""APIs (Auth0 resource servers): the audiences access tokens are issued for."""

from __future__ import annotations

from typing import Any

from edgeauth import ids
from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.rows import from_json_column, iso_now, to_json_column
from edgeauth.admin.tenants import require_tenant
from edgeauth.platform import Platform
from edgeauth.snapshots import ResourceServer, store_api

DEFAULT_TOKEN_LIFETIME = 86400  # Auth0's default for an API: 24 h


def _api_json(row: dict[str, Any]) -> dict[str, Any]:
    """The Management API v2 resource-server shape."""
    return {
        "id": row["id"],
        "name": row["name"],
        "identifier": row["identifier"],
        "scopes": from_json_column(row["scopes"], []),
        "token_lifetime": row["token_lifetime"],
        "signing_alg": row["signing_alg"],
    }


async def api_row(platform: Platform, tenant_id: str, identifier: str) -> dict[str, Any]:
    row = await platform.db.first(
        "SELECT * FROM resource_servers WHERE tenant_id = ? AND identifier = ?",
        tenant_id,
        identifier,
    )
    if row is None:
        raise not_found(f"Resource server {identifier} does not exist.", "inexistent_resource_server")
    return row


async def create_api(
    platform: Platform,
    tenant_id: str,
    *,
    name: str,
    identifier: str,
    scopes: list[str] | None = None,
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
) -> dict[str, Any]:
    await require_tenant(platform, tenant_id)
    if not identifier.strip() or not name.strip():
        raise bad_request("An API needs a name and an identifier.")
    if not 0 < token_lifetime <= 2592000:
        raise bad_request("token_lifetime must be between 1 and 2592000 seconds.")
    scope_objects = [{"value": s, "description": s} for s in dict.fromkeys(scopes or [])]
    if any(not s["value"] or " " in s["value"] for s in scope_objects):
        raise bad_request("A scope value must be non-empty and contain no spaces.")
    now = iso_now(platform.clock())
    changed = await platform.db.run(
        "INSERT OR IGNORE INTO resource_servers "
        "(tenant_id, id, identifier, name, scopes, token_lifetime, signing_alg, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'RS256', ?, ?)",
        tenant_id,
        ids.object_id("api"),
        identifier,
        name.strip(),
        to_json_column(scope_objects),
        token_lifetime,
        now,
        now,
    )
    if not changed:
        raise conflict(f"A resource server with identifier {identifier} already exists.")
    row = await api_row(platform, tenant_id, identifier)
    await store_api(
        platform.config,
        ResourceServer(
            tenant_id=tenant_id,
            id=row["id"],
            identifier=identifier,
            name=row["name"],
            scopes=[s["value"] for s in scope_objects],
            token_lifetime=token_lifetime,
        ),
    )
    return _api_json(row)
