"""Client grants: which API an application may get tokens for, with which scopes."""

from __future__ import annotations

from typing import Any

from edgeauth import ids
from edgeauth.admin.apis import api_row, api_scope_values
from edgeauth.admin.clients import client_row, publish_client
from edgeauth.admin.errors import bad_request, conflict
from edgeauth.admin.rows import iso_now, to_json_column
from edgeauth.platform import Platform


async def create_client_grant(
    platform: Platform, tenant_id: str, *, client_id: str, audience: str, scopes: list[str]
) -> dict[str, Any]:
    """Auth0 `POST /client-grants`: every scope must be defined on the API."""
    await client_row(platform, tenant_id, client_id)
    api = await api_row(platform, tenant_id, audience)
    defined = set(api_scope_values(api))
    undefined = [s for s in scopes if s not in defined]
    if undefined:
        raise bad_request(f"Scopes not defined on {audience}: {', '.join(undefined)}.")
    grant_id = ids.object_id("cgr")
    changed = await platform.db.run(
        "INSERT OR IGNORE INTO client_grants (tenant_id, id, client_id, audience, scope, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        tenant_id,
        grant_id,
        client_id,
        audience,
        to_json_column(list(dict.fromkeys(scopes))),
        iso_now(platform.clock()),
    )
    if not changed:
        raise conflict(f"A client grant for {client_id} and {audience} already exists.")
    await publish_client(platform, tenant_id, client_id)
    return {"id": grant_id, "client_id": client_id, "audience": audience, "scope": scopes}
