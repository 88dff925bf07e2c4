"""Management API v2: `/clients` (Auth0 applications)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from edgeauth.admin import clients
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.clients import Client, ClientCreate, ClientsPage, ClientUpdate
from edgeauth.management.models.common import changes
from edgeauth.management.paging import Fields, Paging

router = APIRouter(prefix="/clients", tags=["clients"])
# Auth0: `client_secret` is returned only to callers holding this scope.
KEYS_SCOPE = "read:client_keys"


def reveal(caller: Caller) -> bool:
    return KEYS_SCOPE in caller.scopes


@router.get("", response_model=list[Client] | ClientsPage, response_model_exclude_unset=True)
async def list_clients(
    page: Paging,
    fields: Fields,
    caller: Annotated[Caller, allowed("read:clients", KEYS_SCOPE)],
    app_type: Annotated[str, Query(max_length=200, description="Comma-separated app types.")] = "",
) -> Any:
    items, total = await clients.list_clients(
        caller.ctx.platform,
        caller.tenant_id,
        offset=page.offset,
        limit=page.per_page,
        app_types=[t.strip() for t in app_type.split(",") if t.strip()],
        reveal=reveal(caller),
    )
    return page.body("clients", [fields.apply(item) for item in items], total)


@router.post("", status_code=201, response_model=Client, response_model_exclude_unset=True)
async def create_client(body: ClientCreate, caller: Annotated[Caller, allowed("create:clients")]) -> Any:
    """Auth0 returns the new secret in this answer."""
    fields = changes(body)
    return await clients.create_client(
        caller.ctx.platform,
        caller.tenant_id,
        name=fields.pop("name"),
        app_type=fields.pop("app_type", None) or "regular_web",
        **fields,
    )


@router.get("/{id}", response_model=Client, response_model_exclude_unset=True)
async def get_client(
    id: str, fields: Fields, caller: Annotated[Caller, allowed("read:clients", KEYS_SCOPE)]
) -> Any:
    client = await clients.get_client(caller.ctx.platform, caller.tenant_id, id, reveal=reveal(caller))
    return fields.apply(client)


@router.patch("/{id}", response_model=Client, response_model_exclude_unset=True)
async def update_client(
    id: str, body: ClientUpdate, caller: Annotated[Caller, allowed("update:clients")]
) -> Any:
    return await clients.update_client(
        caller.ctx.platform, caller.tenant_id, id, changes(body), reveal=reveal(caller)
    )


@router.delete("/{id}", status_code=204, response_class=Response)
async def delete_client(id: str, caller: Annotated[Caller, allowed("delete:clients")]) -> Response:
    await clients.delete_client(caller.ctx.platform, caller.tenant_id, id)
    return Response(status_code=204)


@router.post("/{id}/rotate-secret", response_model=Client, response_model_exclude_unset=True)
async def rotate_secret(id: str, caller: Annotated[Caller, allowed("update:client_keys")]) -> Any:
    return await clients.rotate_secret(caller.ctx.platform, caller.tenant_id, id)
