"""Management API v2: a user's roles and permissions (`/users/{id}/roles`, `/users/{id}/permissions`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from edgeauth.admin import roles
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.roles import (
    Permissions,
    PermissionSource,
    Role,
    RoleIds,
    RolesPage,
    UserPermissionsPage,
)
from edgeauth.management.paging import Paging
from edgeauth.management.routes.roles import public_permissions, stored_permissions

router = APIRouter(prefix="/users/{id}", tags=["users"])


@router.get("/roles", response_model=list[Role] | RolesPage)
async def list_user_roles(
    id: str, page: Paging, caller: Annotated[Caller, allowed("read:users", "read:roles")]
) -> Any:
    items, total = await roles.user_roles(
        caller.ctx.platform, caller.tenant_id, id, offset=page.offset, limit=page.per_page
    )
    return page.body("roles", items, total)


@router.post("/roles", status_code=204, response_class=Response)
async def assign_user_roles(
    id: str, body: RoleIds, caller: Annotated[Caller, allowed("create:role_members", "update:users")]
) -> Response:
    await roles.assign_roles(caller.ctx.platform, caller.tenant_id, [(id, role) for role in body.roles])
    return Response(status_code=204)


@router.delete("/roles", status_code=204, response_class=Response)
async def remove_user_roles(
    id: str, body: RoleIds, caller: Annotated[Caller, allowed("delete:role_members", "update:users")]
) -> Response:
    await roles.assign_roles(
        caller.ctx.platform, caller.tenant_id, [(id, role) for role in body.roles], add=False
    )
    return Response(status_code=204)


@router.get("/permissions", response_model=list[PermissionSource] | UserPermissionsPage)
async def list_user_permissions(
    id: str, page: Paging, caller: Annotated[Caller, allowed("read:users")]
) -> Any:
    items, total = await roles.user_permissions(
        caller.ctx.platform, caller.tenant_id, id, offset=page.offset, limit=page.per_page
    )
    return page.body("permissions", public_permissions(caller, items), total)


@router.post("/permissions", status_code=201, response_class=Response)
async def add_user_permissions(
    id: str, body: Permissions, caller: Annotated[Caller, allowed("update:users")]
) -> Response:
    await roles.change_user_permissions(
        caller.ctx.platform, caller.tenant_id, id, stored_permissions(caller, body), add=True
    )
    return Response(status_code=201)


@router.delete("/permissions", status_code=204, response_class=Response)
async def remove_user_permissions(
    id: str, body: Permissions, caller: Annotated[Caller, allowed("update:users")]
) -> Response:
    await roles.change_user_permissions(
        caller.ctx.platform, caller.tenant_id, id, stored_permissions(caller, body), add=False
    )
    return Response(status_code=204)
