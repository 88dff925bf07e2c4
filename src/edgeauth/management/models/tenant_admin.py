"""Bodies of the edgeauth extensions `/api/v2/tenants` (create) and `/api/v2/trusted-issuers`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from edgeauth.admin import trusted_issuers
from edgeauth.admin.tenants import TENANT_ID
from edgeauth.management.models.common import Body, Resource


class TenantCreate(Body):
    id: Annotated[str, Field(min_length=1, max_length=63, pattern=TENANT_ID.pattern)]
    friendly_name: Annotated[str, Field(max_length=255)] = ""


class CreatedTenant(Resource):
    id: str
    friendly_name: str


class TrustedIssuerCreate(Body):
    issuer: Annotated[str, Field(min_length=1, max_length=trusted_issuers.MAX_ISSUER_CHARS)]
    jwks_uri: Annotated[str, Field(max_length=trusted_issuers.MAX_URI_CHARS, pattern=r"^https?://\S+$")]
    audience: Annotated[str, Field(min_length=1, max_length=trusted_issuers.MAX_AUDIENCE_CHARS)]


class TrustedIssuer(Resource):
    id: str
    issuer: str
    jwks_uri: str
    audience: str
    created_at: str
