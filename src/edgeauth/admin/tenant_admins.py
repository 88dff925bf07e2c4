"""Tenant admins: users who manage a tenant with their own access token (D1 `user_tenants`).

An admin is a token identity, (`iss`, `sub`). A token issued by another tenant of this deployment
is verified with that tenant's keys directly (no HTTP to ourselves) and must be for that tenant's
own Management API audience, `{iss}api/v2/`, which a SPA obtains with `audience=` at /authorize.
Whoever creates a tenant through `POST /api/v2/tenants` becomes its first admin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from edgeauth.admin import management_api
from edgeauth.admin.errors import bad_request
from edgeauth.admin.rows import iso_now
from edgeauth.admin.tenants import create_tenant, require_tenant
from edgeauth.oauth.bearer import invalid_token, verify_tenant_token
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant
from edgeauth.tenancy import resolve_tenant

MAX_IDENTITY_CHARS = 300


async def add_admin(platform: Platform, tenant_id: str, issuer: str, subject: str) -> dict[str, Any]:
    """Make the token identity (`issuer`, `subject`) an admin of `tenant_id` (idempotent)."""
    if not (0 < len(issuer) <= MAX_IDENTITY_CHARS and 0 < len(subject) <= MAX_IDENTITY_CHARS):
        raise bad_request(f"issuer and subject must be 1 to {MAX_IDENTITY_CHARS} characters.")
    await require_tenant(platform, tenant_id)
    await platform.db.run(
        "INSERT OR IGNORE INTO user_tenants (tenant_id, issuer, subject, created_at) VALUES (?, ?, ?, ?)",
        tenant_id,
        issuer,
        subject,
        iso_now(platform.clock()),
    )
    return {"tenant_id": tenant_id, "issuer": issuer, "subject": subject}


async def is_admin(platform: Platform, tenant_id: str, issuer: str, subject: str) -> bool:
    row = await platform.db.first(
        "SELECT 1 AS admin FROM user_tenants WHERE tenant_id = ? AND issuer = ? AND subject = ?",
        tenant_id,
        issuer,
        subject,
    )
    return row is not None


async def create_administered_tenant(
    platform: Platform, tenant_id: str, friendly_name: str, issuer: str, subject: str
) -> Tenant:
    """A new tenant whose first admin is its creator's token identity."""
    tenant = await create_tenant(platform, tenant_id, friendly_name)
    await add_admin(platform, tenant.id, issuer, subject)
    return tenant


def issuer_host(issuer: str) -> str | None:
    """The host of an issuer of this deployment's shape, `{scheme}://{host}/`, else None."""
    parts = urlsplit(issuer)
    if parts.scheme in ("http", "https") and parts.netloc and issuer == f"{parts.scheme}://{parts.netloc}/":
        return parts.netloc
    return None


async def verify_deployment_token(platform: Platform, token: str, issuer: str) -> dict[str, Any]:
    """Claims of a live token that a tenant of this deployment issued as `issuer` for its own
    Management API; 401 when `issuer` names no tenant here or the token is not theirs."""
    host = issuer_host(issuer)
    tenant = await resolve_tenant(platform, host) if host else None
    if tenant is None:
        raise invalid_token("Invalid access token")
    return await verify_tenant_token(platform, tenant.id, issuer, token, management_api.audience_for(issuer))
