"""Management API v2: `/connections` and their enabled applications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from edgeauth.admin import connections, users
from edgeauth.admin.errors import bad_request
from edgeauth.connections import DATABASE_STRATEGY
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.common import changes
from edgeauth.management.models.connections import (
    ClientStatus,
    Connection,
    ConnectionCreate,
    ConnectionsCheckpoint,
    ConnectionsPage,
    ConnectionUpdate,
    EnabledClients,
)
from edgeauth.management.paging import Checkpointing, Fields, Paging

router = APIRouter(prefix="/connections", tags=["connections"])
# Auth0's limit per `PATCH /connections/{id}/clients` request.
MAX_CLIENT_CHANGES = 50


@router.get(
    "",
    response_model=list[Connection] | ConnectionsPage | ConnectionsCheckpoint,
    response_model_exclude_unset=True,
)
async def list_connections(
    page: Paging,
    checkpoint: Checkpointing,
    fields: Fields,
    caller: Annotated[Caller, allowed("read:connections")],
    strategy: Annotated[list[str], Query(max_length=20, description="Any of these strategies.")] = [],  # noqa: B006
    name: Annotated[str, Query(max_length=128)] = "",
) -> Any:
    """Pages (`page`, `per_page`, `include_totals`) or checkpoints (`from`, `take`)."""
    platform, tenant_id = caller.ctx.platform, caller.tenant_id
    if checkpoint is not None:
        items, last = await connections.connections_after(
            platform, tenant_id, checkpoint.after, take=checkpoint.take, strategies=strategy, name=name
        )
        return checkpoint.body("connections", [fields.apply(item) for item in items], last)
    items, total = await connections.list_connections(
        platform, tenant_id, offset=page.offset, limit=page.per_page, strategies=strategy, name=name
    )
    return page.body("connections", [fields.apply(item) for item in items], total)


@router.post("", status_code=201, response_model=Connection, response_model_exclude_unset=True)
async def create_connection(
    body: ConnectionCreate, caller: Annotated[Caller, allowed("create:connections")]
) -> Any:
    """A null property is the same as an absent one (its default)."""
    fields = body.model_dump(exclude_none=True)
    return await connections.create_connection(caller.ctx.platform, caller.tenant_id, **fields)


@router.get("/{id}", response_model=Connection, response_model_exclude_unset=True)
async def get_connection(
    id: str, fields: Fields, caller: Annotated[Caller, allowed("read:connections")]
) -> Any:
    return fields.apply(await connections.get_connection(caller.ctx.platform, caller.tenant_id, id))


@router.patch("/{id}", response_model=Connection, response_model_exclude_unset=True)
async def update_connection(
    id: str, body: ConnectionUpdate, caller: Annotated[Caller, allowed("update:connections")]
) -> Any:
    return await connections.update_connection(caller.ctx.platform, caller.tenant_id, id, changes(body))


@router.delete("/{id}", status_code=204, response_class=Response)
async def delete_connection(id: str, caller: Annotated[Caller, allowed("delete:connections")]) -> Response:
    await connections.delete_connection(caller.ctx.platform, caller.tenant_id, id)
    return Response(status_code=204)


@router.get("/{id}/clients", response_model=EnabledClients, response_model_exclude_none=True)
async def list_enabled_clients(
    id: str,
    caller: Annotated[Caller, allowed("read:connections")],
    take: Annotated[int, Query(ge=1, le=1000)] = 50,
    from_: Annotated[str, Query(alias="from", max_length=1000, description="The `next` of a page.")] = "",
) -> Any:
    client_ids, after = await connections.list_enabled_clients(
        caller.ctx.platform, caller.tenant_id, id, take=take, after=from_
    )
    return {"clients": [{"client_id": c} for c in client_ids], "next": after}


@router.patch("/{id}/clients", status_code=204, response_class=Response)
async def update_enabled_clients(
    id: str,
    body: Annotated[list[ClientStatus], Body(min_length=1, max_length=MAX_CLIENT_CHANGES)],
    caller: Annotated[Caller, allowed("update:connections")],
) -> Response:
    statuses = {item.client_id: item.status for item in body}
    await connections.set_enabled_clients(caller.ctx.platform, caller.tenant_id, id, statuses)
    return Response(status_code=204)


@router.delete("/{id}/users", status_code=204, response_class=Response)
async def delete_connection_user(
    id: str,
    caller: Annotated[Caller, allowed("delete:users")],
    email: Annotated[str, Query(min_length=3, max_length=320)],
) -> Response:
    """Auth0: delete a database connection's user by email (nothing to delete is not an error)."""
    connection = await connections.get_connection(caller.ctx.platform, caller.tenant_id, id)
    if connection["strategy"] != DATABASE_STRATEGY:
        raise bad_request("Only database connections have users to delete by email.")
    for user in await users.users_by_email(caller.ctx.platform, caller.tenant_id, email):
        if any(i["connection"] == connection["name"] for i in user.get("identities", [])):
            await users.delete_user(caller.ctx.platform, caller.tenant_id, user["user_id"])
    return Response(status_code=204)
