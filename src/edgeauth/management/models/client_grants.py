"""Client grants: Auth0 `/api/v2/client-grants` bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from edgeauth.management.models.common import Body, Resource

Scopes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=280, pattern=r"^\S+$")]], Field(max_length=1000)
]


class ClientGrantCreate(Body):
    client_id: Annotated[str, Field(min_length=1, max_length=64)]
    audience: Annotated[str, Field(min_length=1, max_length=600)]
    scope: Scopes


class ClientGrantUpdate(Body):
    scope: Scopes


class ClientGrant(Resource):
    id: str
    client_id: str
    audience: str
    scope: list[str]


class ClientGrantsCheckpoint(Resource):
    client_grants: list[ClientGrant]
    next: str | None = None


class ClientGrantsPage(Resource):
    start: int
    limit: int
    length: int
    total: int
    client_grants: list[ClientGrant]
