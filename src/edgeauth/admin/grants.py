"""Client grants: which API an application may get tokens for, with which scopes."""

from __future__ import annotations

from typing import Any

from edgeauth import ids
from edgeauth.admin.apis import api_row, api_scope_values
from edgeauth.admin.clients import client_row, publish_client
from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.rows import Position, select_after, select_page
from edgeauth.platform import Platform
from edgeauth.rows import from_json_column, iso_now, to_json_column


def grant_json(row: dict[str, Any]) -> dict[str, Any]:
    """The Management API v2 client-grant shape (audience as stored)."""
    return {
        "id": row["id"],
        "client_id": row["client_id"],
        "audience": row["audience"],
        "scope": from_json_column(row["scope"], []),
    }


async def _checked_scopes(platform: Platform, tenant_id: str, audience: str, scopes: list[str]) -> str:
    """Every scope must be defined on the API (Auth0); the JSON column, without repeats."""
    defined = set(api_scope_values(await api_row(platform, tenant_id, audience)))
    undefined = [s for s in scopes if s not in defined]
    if undefined:
        raise bad_request(f"Scopes not defined on {audience}: {', '.join(undefined)}.")
    return to_json_column(list(dict.fromkeys(scopes)))


async def grant_row(platform: Platform, tenant_id: str, grant_id: str) -> dict[str, Any]:
    row = await platform.db.first(
        "SELECT * FROM client_grants WHERE tenant_id = ? AND id = ?", tenant_id, grant_id
    )
    if row is None:
        raise not_found("The client grant does not exist", "inexistent_client_grant")
    return row


async def create_client_grant(
    platform: Platform, tenant_id: str, *, client_id: str, audience: str, scopes: list[str]
) -> dict[str, Any]:
    """Auth0 `POST /client-grants`: one grant per application and API (409)."""
    await client_row(platform, tenant_id, client_id)
    scope = await _checked_scopes(platform, tenant_id, audience, scopes)
    grant_id = ids.object_id("cgr")
    changed = await platform.db.run(
        "INSERT OR IGNORE INTO client_grants (tenant_id, id, client_id, audience, scope, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        tenant_id,
        grant_id,
        client_id,
        audience,
        scope,
        iso_now(platform.clock()),
    )
    if not changed:
        raise conflict(f"A client grant for {client_id} and {audience} already exists.")
    await publish_client(platform, tenant_id, client_id)
    return grant_json(await grant_row(platform, tenant_id, grant_id))


async def list_client_grants(
    platform: Platform, tenant_id: str, *, audience: str, client_id: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Auth0 `GET /client-grants`, filtered by `audience` and `client_id`, oldest first."""
    filters = {"tenant_id": tenant_id, "audience": audience, "client_id": client_id}
    rows, total = await select_page(
        platform.db, "client_grants", filters, "created_at, id", offset=offset, limit=limit
    )
    return [grant_json(row) for row in rows], total


async def client_grants_after(
    platform: Platform, tenant_id: str, after: Position | None, *, take: int, audience: str, client_id: str
) -> tuple[list[dict[str, Any]], Position | None]:
    """The same list by checkpoint (`from`/`take`): grants after `after`, and the last one's
    position when more follow."""
    filters = {"tenant_id": tenant_id, "audience": audience, "client_id": client_id}
    rows, last = await select_after(platform.db, "client_grants", filters, after, take=take)
    return [grant_json(row) for row in rows], last


async def update_client_grant(
    platform: Platform, tenant_id: str, grant_id: str, scopes: list[str]
) -> dict[str, Any]:
    """Auth0 `PATCH /client-grants/{id}`: the scopes replace the granted ones, at once."""
    row = await grant_row(platform, tenant_id, grant_id)
    await platform.db.run(
        "UPDATE client_grants SET scope = ? WHERE tenant_id = ? AND id = ?",
        await _checked_scopes(platform, tenant_id, row["audience"], scopes),
        tenant_id,
        grant_id,
    )
    await publish_client(platform, tenant_id, row["client_id"])
    return grant_json(await grant_row(platform, tenant_id, grant_id))


async def delete_client_grant(platform: Platform, tenant_id: str, grant_id: str) -> None:
    """Auth0 `DELETE /client-grants/{id}`: client_credentials for that API stops at once."""
    row = await grant_row(platform, tenant_id, grant_id)
    await platform.db.run("DELETE FROM client_grants WHERE tenant_id = ? AND id = ?", tenant_id, grant_id)
    await publish_client(platform, tenant_id, row["client_id"])
