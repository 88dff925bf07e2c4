"""Connections: Auth0 `/api/v2/connections` bodies and the connection object."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from edgeauth.management.models.clients import Metadata
from edgeauth.management.models.common import Body, Patch, Resource

ClientId = Annotated[str, Field(min_length=1, max_length=64)]
ClientIds = Annotated[list[ClientId], Field(max_length=1000)]
Realms = Annotated[list[Annotated[str, Field(min_length=1, max_length=128)]], Field(max_length=10)]
DisplayName = Annotated[str, Field(max_length=128)]
Options = Annotated[dict[str, Any], Field(max_length=200)]


class ConnectionFields(Body):
    display_name: DisplayName | None = None
    options: Options | None = None
    enabled_clients: ClientIds | None = None
    realms: Realms | None = None
    is_domain_connection: bool | None = None
    metadata: Metadata | None = None


class ConnectionCreate(ConnectionFields):
    # Auth0: letters and digits, single hyphens inside, at most 128 characters.
    name: Annotated[
        str, Field(min_length=1, max_length=128, pattern=r"^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$")
    ]
    strategy: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class ConnectionUpdate(ConnectionFields, Patch):
    """The name and strategy never change; `options` replaces the whole object (Auth0)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"display_name"})


class Connection(Resource):
    """Every field is optional: `fields`/`include_fields` may select any subset."""

    id: str | None = None
    name: str | None = None
    strategy: str | None = None
    display_name: str | None = None
    options: dict[str, Any] | None = None
    enabled_clients: list[str] | None = None
    realms: list[str] | None = None
    is_domain_connection: bool | None = None
    metadata: dict[str, str] | None = None


class ConnectionsPage(Resource):
    start: int
    limit: int
    length: int
    total: int
    connections: list[Connection]


class ConnectionsCheckpoint(Resource):
    connections: list[Connection]
    next: str | None = None


class EnabledClient(Resource):
    client_id: str


class EnabledClients(Resource):
    """Checkpoint paging: no `next` on the last page."""

    clients: list[EnabledClient]
    next: str | None = None


class ClientStatus(Body):
    client_id: ClientId
    status: bool
