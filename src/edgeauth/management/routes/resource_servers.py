"""Management API v2: `/resource-servers` (Auth0 APIs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from edgeauth import management_api
from edgeauth.admin import apis
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.common import changes
from edgeauth.management.models.resource_servers import (
    ResourceServer,
    ResourceServerCreate,
    ResourceServersPage,
    ResourceServerUpdate,
)
from edgeauth.management.paging import Paging

router = APIRouter(prefix="/resource-servers", tags=["resource-servers"])


def public(caller: Caller, api: dict[str, Any]) -> dict[str, Any]:
    """The Management API's identifier is the audience of the caller's host."""
    return {**api, "identifier": management_api.public_identifier(caller.ctx.issuer, api["identifier"])}


def stored(caller: Caller, id_or_identifier: str) -> str:
    return management_api.stored_identifier(caller.ctx.issuer, id_or_identifier)


@router.get("", response_model=list[ResourceServer] | ResourceServersPage)
async def list_resource_servers(
    page: Paging, caller: Annotated[Caller, allowed("read:resource_servers")]
) -> Any:
    items, total = await apis.list_apis(
        caller.ctx.platform, caller.tenant_id, offset=page.offset, limit=page.per_page
    )
    return page.body("resource_servers", [public(caller, api) for api in items], total)


@router.post("", status_code=201, response_model=ResourceServer)
async def create_resource_server(
    body: ResourceServerCreate, caller: Annotated[Caller, allowed("create:resource_servers")]
) -> Any:
    fields = changes(body)
    api = await apis.create_api(
        caller.ctx.platform,
        caller.tenant_id,
        name=fields.pop("name", None) or body.identifier,
        identifier=stored(caller, fields.pop("identifier")),
        scopes=fields.pop("scopes", []),
        token_lifetime=fields.pop("token_lifetime", None) or apis.DEFAULT_TOKEN_LIFETIME,
        **fields,
    )
    return public(caller, api)


@router.get("/{id}", response_model=ResourceServer)
async def get_resource_server(id: str, caller: Annotated[Caller, allowed("read:resource_servers")]) -> Any:
    return public(caller, await apis.get_api(caller.ctx.platform, caller.tenant_id, stored(caller, id)))


@router.patch("/{id}", response_model=ResourceServer)
async def update_resource_server(
    id: str, body: ResourceServerUpdate, caller: Annotated[Caller, allowed("update:resource_servers")]
) -> Any:
    api = await apis.update_api(caller.ctx.platform, caller.tenant_id, stored(caller, id), changes(body))
    return public(caller, api)


@router.delete("/{id}", status_code=204, response_class=Response)
async def delete_resource_server(
    id: str, caller: Annotated[Caller, allowed("delete:resource_servers")]
) -> Response:
    await apis.delete_api(caller.ctx.platform, caller.tenant_id, stored(caller, id))
    return Response(status_code=204)
