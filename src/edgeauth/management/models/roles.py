"""Roles and permissions: Auth0 `/api/v2/roles` and `/users/{id}/roles|permissions` bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from edgeauth.management.models.common import Body, Resource

Name = Annotated[str, Field(min_length=1, max_length=50, pattern=r"\S")]
Description = Annotated[str, Field(max_length=140)]
Id = Annotated[str, Field(min_length=1, max_length=300)]


class RoleCreate(Body):
    name: Name
    description: Description = ""


class RoleUpdate(Body):
    name: Name | None = None
    description: Description | None = None


class Role(Resource):
    id: str
    name: str
    description: str


class RolesPage(Resource):
    start: int
    limit: int
    total: int
    roles: list[Role]


class PermissionRef(Body):
    resource_server_identifier: Annotated[str, Field(min_length=1, max_length=400)]
    permission_name: Annotated[str, Field(min_length=1, max_length=280)]


class Permissions(Body):
    permissions: Annotated[list[PermissionRef], Field(min_length=1, max_length=1000)]


class Permission(Resource):
    resource_server_identifier: str
    permission_name: str
    resource_server_name: str
    description: str


class PermissionsPage(Resource):
    start: int
    limit: int
    total: int
    permissions: list[Permission]


class PermissionSource(Permission):
    """A user's permission and where it comes from (`DIRECT` or a `ROLE`)."""

    sources: list[dict[str, str]]


class UserPermissionsPage(Resource):
    start: int
    limit: int
    total: int
    permissions: list[PermissionSource]


class UserIds(Body):
    users: Annotated[list[Id], Field(min_length=1, max_length=1000)]


class RoleIds(Body):
    roles: Annotated[list[Id], Field(min_length=1, max_length=1000)]


class RoleUser(Resource):
    user_id: str


class RoleUsersPage(Resource):
    start: int
    limit: int
    total: int
    users: list[RoleUser]
