"""Management API v2: `/client-grants` (which API an application may call, with which scopes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from edgeauth import management_api
from edgeauth.admin import grants
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.client_grants import (
    ClientGrant,
    ClientGrantCreate,
    ClientGrantsCheckpoint,
    ClientGrantsPage,
    ClientGrantUpdate,
)
from edgeauth.management.paging import Checkpointing, Paging
from edgeauth.management.routes.resource_servers import stored

router = APIRouter(prefix="/client-grants", tags=["client-grants"])


def public(caller: Caller, grant: dict[str, Any]) -> dict[str, Any]:
    """The Management API's audience is that of the caller's host."""
    return {**grant, "audience": management_api.public_identifier(caller.ctx.issuer, grant["audience"])}


@router.get(
    "",
    response_model=list[ClientGrant] | ClientGrantsPage | ClientGrantsCheckpoint,
    response_model_exclude_unset=True,
)
async def list_client_grants(
    page: Paging,
    checkpoint: Checkpointing,
    caller: Annotated[Caller, allowed("read:client_grants")],
    audience: Annotated[str, Query(max_length=600)] = "",
    client_id: Annotated[str, Query(max_length=64)] = "",
) -> Any:
    """Pages (`page`, `per_page`, `include_totals`) or checkpoints (`from`, `take`)."""
    platform, tenant_id = caller.ctx.platform, caller.tenant_id
    filters = {"audience": stored(caller, audience) if audience else "", "client_id": client_id}
    if checkpoint is not None:
        items, last = await grants.client_grants_after(
            platform, tenant_id, checkpoint.after, take=checkpoint.take, **filters
        )
        return checkpoint.body("client_grants", [public(caller, grant) for grant in items], last)
    items, total = await grants.list_client_grants(
        platform, tenant_id, offset=page.offset, limit=page.per_page, **filters
    )
    return page.body("client_grants", [public(caller, grant) for grant in items], total)


@router.post("", status_code=201, response_model=ClientGrant)
async def create_client_grant(
    body: ClientGrantCreate, caller: Annotated[Caller, allowed("create:client_grants")]
) -> Any:
    grant = await grants.create_client_grant(
        caller.ctx.platform,
        caller.tenant_id,
        client_id=body.client_id,
        audience=stored(caller, body.audience),
        scopes=body.scope,
    )
    return public(caller, grant)


@router.patch("/{id}", response_model=ClientGrant)
async def update_client_grant(
    id: str, body: ClientGrantUpdate, caller: Annotated[Caller, allowed("update:client_grants")]
) -> Any:
    return public(
        caller, await grants.update_client_grant(caller.ctx.platform, caller.tenant_id, id, body.scope)
    )


@router.delete("/{id}", status_code=204, response_class=Response)
async def delete_client_grant(
    id: str, caller: Annotated[Caller, allowed("delete:client_grants")]
) -> Response:
    await grants.delete_client_grant(caller.ctx.platform, caller.tenant_id, id)
    return Response(status_code=204)
