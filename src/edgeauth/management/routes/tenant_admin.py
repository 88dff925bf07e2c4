"""edgeauth extensions (Auth0 has neither): `POST /tenants` and `/trusted-issuers`.

`POST /api/v2/tenants` creates a tenant on the deployment's default tenant only, and makes the
caller (token `iss` + `sub`) its first admin. `/trusted-issuers` lists, adds and removes the
external issuers whose tokens this tenant's Management API accepts; they are tenant security
settings, so they take the `tenant_settings` scopes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from edgeauth.admin import tenant_admins, trusted_issuers
from edgeauth.admin.errors import AdminError
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.tenant_admin import (
    CreatedTenant,
    TenantCreate,
    TrustedIssuer,
    TrustedIssuerCreate,
)

router = APIRouter(tags=["edgeauth extensions"])


@router.post("/tenants", status_code=201, response_model=CreatedTenant)
async def create_tenant(body: TenantCreate, caller: Annotated[Caller, allowed("create:tenants")]) -> Any:
    """Create a tenant, administered by the caller; only through the default tenant's API."""
    platform = caller.ctx.platform
    if caller.tenant_id != platform.settings.default_tenant:
        message = "Tenants are created through the default tenant's Management API."
        raise AdminError(403, message, "operation_not_supported")
    tenant = await tenant_admins.create_administered_tenant(
        platform, body.id, body.friendly_name, caller.issuer, caller.subject
    )
    return {"id": tenant.id, "friendly_name": tenant.friendly_name}


@router.get("/trusted-issuers", response_model=list[TrustedIssuer])
async def list_trusted_issuers(caller: Annotated[Caller, allowed("read:tenant_settings")]) -> Any:
    return await trusted_issuers.list_trusted_issuers(caller.ctx.platform, caller.tenant_id)


@router.post("/trusted-issuers", status_code=201, response_model=TrustedIssuer)
async def add_trusted_issuer(
    body: TrustedIssuerCreate, caller: Annotated[Caller, allowed("update:tenant_settings")]
) -> Any:
    return await trusted_issuers.add_trusted_issuer(
        caller.ctx.platform, caller.tenant_id, **body.model_dump()
    )


@router.get("/trusted-issuers/{id}", response_model=TrustedIssuer)
async def get_trusted_issuer(id: str, caller: Annotated[Caller, allowed("read:tenant_settings")]) -> Any:
    return await trusted_issuers.get_trusted_issuer(caller.ctx.platform, caller.tenant_id, id)


@router.delete("/trusted-issuers/{id}", status_code=204, response_class=Response)
async def delete_trusted_issuer(
    id: str, caller: Annotated[Caller, allowed("update:tenant_settings")]
) -> Response:
    await trusted_issuers.delete_trusted_issuer(caller.ctx.platform, caller.tenant_id, id)
    return Response(status_code=204)
