"""Management API v2: `/roles`, their permissions and their users (Auth0 RBAC)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from edgeauth.admin import roles
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.common import changes
from edgeauth.management.models.roles import (
    Permission,
    Permissions,
    PermissionsPage,
    Role,
    RoleCreate,
    RolesPage,
    RoleUpdate,
    RoleUser,
    RoleUsersPage,
    UserIds,
)
from edgeauth.management.paging import Paging
from edgeauth.management.routes.resource_servers import public, stored

router = APIRouter(prefix="/roles", tags=["roles"])


def stored_permissions(caller: Caller, body: Permissions) -> list[dict[str, str]]:
    """The Management API's audience in, its stored identifier out."""
    return [
        {
            "resource_server_identifier": stored(caller, p.resource_server_identifier),
            "permission_name": p.permission_name,
        }
        for p in body.permissions
    ]


def public_permissions(caller: Caller, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **p,
            "resource_server_identifier": public(caller, {"identifier": p["resource_server_identifier"]})[
                "identifier"
            ],
        }
        for p in found
    ]


@router.get("", response_model=list[Role] | RolesPage)
async def list_roles(
    page: Paging,
    caller: Annotated[Caller, allowed("read:roles")],
    name_filter: Annotated[str, Query(max_length=100)] = "",
) -> Any:
    items, total = await roles.list_roles(
        caller.ctx.platform,
        caller.tenant_id,
        name_filter=name_filter,
        offset=page.offset,
        limit=page.per_page,
    )
    return page.body("roles", items, total)


@router.post("", response_model=Role)
async def create_role(body: RoleCreate, caller: Annotated[Caller, allowed("create:roles")]) -> Any:
    return await roles.create_role(caller.ctx.platform, caller.tenant_id, **changes(body))


@router.get("/{id}", response_model=Role)
async def get_role(id: str, caller: Annotated[Caller, allowed("read:roles")]) -> Any:
    return await roles.get_role(caller.ctx.platform, caller.tenant_id, id)


@router.patch("/{id}", response_model=Role)
async def update_role(id: str, body: RoleUpdate, caller: Annotated[Caller, allowed("update:roles")]) -> Any:
    return await roles.update_role(caller.ctx.platform, caller.tenant_id, id, changes(body))


@router.delete("/{id}", status_code=204, response_class=Response)
async def delete_role(id: str, caller: Annotated[Caller, allowed("delete:roles")]) -> Response:
    await roles.delete_role(caller.ctx.platform, caller.tenant_id, id)
    return Response(status_code=204)


@router.get("/{id}/permissions", response_model=list[Permission] | PermissionsPage)
async def list_role_permissions(
    id: str, page: Paging, caller: Annotated[Caller, allowed("read:roles")]
) -> Any:
    items, total = await roles.role_permissions(
        caller.ctx.platform, caller.tenant_id, id, offset=page.offset, limit=page.per_page
    )
    return page.body("permissions", public_permissions(caller, items), total)


@router.post("/{id}/permissions", status_code=201, response_class=Response)
async def add_role_permissions(
    id: str, body: Permissions, caller: Annotated[Caller, allowed("update:roles")]
) -> Response:
    await roles.change_role_permissions(
        caller.ctx.platform, caller.tenant_id, id, stored_permissions(caller, body), add=True
    )
    return Response(status_code=201)


@router.delete("/{id}/permissions", status_code=204, response_class=Response)
async def remove_role_permissions(
    id: str, body: Permissions, caller: Annotated[Caller, allowed("update:roles")]
) -> Response:
    await roles.change_role_permissions(
        caller.ctx.platform, caller.tenant_id, id, stored_permissions(caller, body), add=False
    )
    return Response(status_code=204)


@router.get("/{id}/users", response_model=list[RoleUser] | RoleUsersPage)
async def list_role_users(
    id: str, page: Paging, caller: Annotated[Caller, allowed("read:role_members", "read:users")]
) -> Any:
    items, total = await roles.role_users(
        caller.ctx.platform, caller.tenant_id, id, offset=page.offset, limit=page.per_page
    )
    return page.body("users", items, total)


@router.post("/{id}/users", status_code=204, response_class=Response)
async def assign_role_users(
    id: str, body: UserIds, caller: Annotated[Caller, allowed("create:role_members", "update:users")]
) -> Response:
    await roles.assign_roles(caller.ctx.platform, caller.tenant_id, [(user, id) for user in body.users])
    return Response(status_code=204)
