"""Resource servers (APIs): Auth0 `/api/v2/resource-servers` bodies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from edgeauth.management.models.clients import Settings
from edgeauth.management.models.common import Body, Resource
from edgeauth.snapshots import MAX_API_IDENTIFIER_BYTES

Lifetime = Annotated[int, Field(ge=1, le=2592000)]


class Scope(Body):
    value: Annotated[str, Field(min_length=1, max_length=280, pattern=r"^\S+$")]
    description: Annotated[str, Field(max_length=500)] = ""


class ResourceServerSwitches(Body):
    allow_offline_access: bool | None = None
    skip_consent_for_verifiable_first_party_clients: bool | None = None
    enforce_policies: bool | None = None
    token_dialect: (
        Literal["access_token", "access_token_authz", "rfc9068_profile", "rfc9068_profile_authz"] | None
    ) = None
    token_lifetime: Lifetime | None = None
    token_lifetime_for_web: Lifetime | None = None
    signing_alg: Literal["RS256", "HS256"] | None = None
    signing_secret: Annotated[str, Field(min_length=16, max_length=256)] | None = None
    # Stored and returned as given (`edgeauth.admin.apis.STORED`); a null removes one.
    consent_policy: Literal["transactional-authorization-with-mfa"] | None = None
    authorization_details: Annotated[list[Settings], Field(max_length=100)] | None = None
    token_encryption: Settings | None = None
    proof_of_possession: Settings | None = None
    subject_type_authorization: Settings | None = None


class ResourceServerCreate(ResourceServerSwitches):
    identifier: Annotated[str, Field(min_length=1, max_length=MAX_API_IDENTIFIER_BYTES)]
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")] | None = None
    scopes: Annotated[list[Scope], Field(max_length=1000)] = []


class ResourceServerUpdate(ResourceServerSwitches):
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")] | None = None
    scopes: Annotated[list[Scope], Field(max_length=1000)] | None = None


class ResourceServer(Resource):
    id: str
    name: str
    identifier: str
    scopes: list[Scope]
    token_lifetime: int
    signing_alg: str
    is_system: bool
    enforce_policies: bool
    token_dialect: str
    allow_offline_access: bool


class ResourceServersPage(Resource):
    start: int
    limit: int
    length: int
    total: int
    resource_servers: list[ResourceServer]
