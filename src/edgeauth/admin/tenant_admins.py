"""Tenant admins: users who manage a tenant with their own access token (D1 `user_tenants`).

An admin is a token identity, (`iss`, `sub`). A token issued by another tenant of this deployment
is verified with that tenant's keys directly (no HTTP to ourselves) and must be for that tenant's
own Management API audience, `{iss}api/v2/`, which a SPA obtains with `audience=` at /authorize.
Whoever creates a tenant through `POST /api/v2/tenants` becomes its first admin.
"""

from __future__ import annotations

from typing import Any

from edgeauth import management_api
from edgeauth.admin.errors import bad_request
from edgeauth.admin.tenants import create_tenant, require_tenant
from edgeauth.platform import Platform
from edgeauth.rows import iso_now
from edgeauth.snapshots import Tenant
from edgeauth.tenancy import tenant_for_issuer
from edgeauth.tokens import InvalidToken, verify_tenant_token
from edgeauth.users.objects import UserObjects

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
    """An admin grant for the token identity; for a user of this deployment, only while that user
    exists, is not blocked and has a verified email (docs/security.md "Tenant admins")."""
    row = await platform.db.first(
        "SELECT 1 AS admin FROM user_tenants WHERE tenant_id = ? AND issuer = ? AND subject = ?",
        tenant_id,
        issuer,
        subject,
    )
    if row is None:
        return False
    home = await tenant_for_issuer(platform, issuer)
    if home is None:
        return True  # a trusted external issuer's subject: that issuer vouches for it
    found = await UserObjects(platform, home.id).find(subject)
    user = found[1]["user"] if found else None
    return user is not None and user["email_verified"] and not user["blocked"]


async def create_administered_tenant(
    platform: Platform, tenant_id: str, friendly_name: str, issuer: str, subject: str
) -> Tenant:
    """A new tenant whose first admin is its creator's token identity."""
    tenant = await create_tenant(platform, tenant_id, friendly_name)
    await add_admin(platform, tenant.id, issuer, subject)
    return tenant


async def verify_deployment_token(platform: Platform, token: str, issuer: str) -> dict[str, Any]:
    """Claims of a live token that a tenant of this deployment issued as `issuer` for its own
    Management API; 401 when `issuer` names no tenant here or the token is not theirs."""
    tenant = await tenant_for_issuer(platform, issuer)
    if tenant is None:
        raise InvalidToken("Invalid access token")
    return await verify_tenant_token(platform, tenant.id, issuer, token, management_api.audience_for(issuer))


async def remove_admin_grants(platform: Platform, tenant_id: str, user_id: str) -> None:
    """A deleted user of `tenant_id` administers no tenant any more (every grant whose issuer is
    that tenant and whose subject is the user's id)."""
    rows = await platform.db.all("SELECT tenant_id, issuer FROM user_tenants WHERE subject = ?", user_id)
    for row in rows:
        tenant = await tenant_for_issuer(platform, row["issuer"])
        if tenant is not None and tenant.id == tenant_id:
            await platform.db.run(
                "DELETE FROM user_tenants WHERE tenant_id = ? AND issuer = ? AND subject = ?",
                row["tenant_id"],
                row["issuer"],
                user_id,
            )
