"""Tenants: create, publish to KV, and the deployment's default tenant (design.md, "Tenancy")."""

from __future__ import annotations

import re
from typing import Any

from edgeauth.admin import management_api
from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.rows import from_json_column, iso_now, to_json_column
from edgeauth.keys.keyset import load_keyset
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant, store_tenant

TENANT_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


async def _insert(platform: Platform, tenant_id: str, friendly_name: str) -> int:
    """The tenant row, then its system API (the Management API); both idempotent."""
    now = iso_now(platform.clock())
    inserted = await platform.db.run(
        "INSERT OR IGNORE INTO tenants (id, friendly_name, settings, created_at, updated_at) "
        "VALUES (?, ?, '{}', ?, ?)",
        tenant_id,
        friendly_name,
        now,
        now,
    )
    await platform.db.run(
        "INSERT OR IGNORE INTO resource_servers (tenant_id, id, identifier, name, scopes,"
        " token_lifetime, signing_alg, created_at, updated_at, is_system)"
        " VALUES (?, 'api_management', ?, ?, '[]', ?, 'RS256', ?, ?, 1)",
        tenant_id,
        management_api.IDENTIFIER,
        management_api.NAME,
        management_api.TOKEN_LIFETIME,
        now,
        now,
    )
    return inserted


async def publish_tenant(platform: Platform, tenant_id: str) -> Tenant:
    """Rewrite the tenant's KV snapshot from D1 and make sure it has signing keys."""
    row = await platform.db.first("SELECT * FROM tenants WHERE id = ?", tenant_id)
    if row is None:
        raise not_found(f"Tenant {tenant_id} does not exist.", "inexistent_tenant")
    settings = from_json_column(row["settings"], {})
    branding = settings.get("branding", {})
    tenant = Tenant(
        id=row["id"],
        friendly_name=row["friendly_name"],
        default_audience=settings.get("default_audience", ""),
        logo_url=branding.get("logo_url", ""),
        primary_color=branding.get("colors", {}).get("primary", Tenant.primary_color),
        allowed_logout_urls=list(settings.get("allowed_logout_urls", [])),
        password_min_length=int(
            settings.get("password_policy", {}).get("min_length", Tenant.password_min_length)
        ),
    )
    await load_keyset(platform, tenant.id)
    await store_tenant(platform.config, tenant)
    return tenant


async def create_tenant(platform: Platform, tenant_id: str, friendly_name: str = "") -> Tenant:
    if not TENANT_ID.match(tenant_id):
        raise bad_request("Tenant id must be 1-63 lowercase letters, digits or hyphens.")
    if not await _insert(platform, tenant_id, friendly_name or tenant_id):
        raise conflict(f"Tenant {tenant_id} already exists.")
    return await publish_tenant(platform, tenant_id)


async def update_settings(platform: Platform, tenant_id: str, changes: dict[str, Any]) -> Tenant:
    """Merge `changes` into the tenant's settings (Auth0 `PATCH /tenants/settings` semantics:
    top-level keys replace, objects merge one level deep) and republish the snapshot."""
    row = await platform.db.first("SELECT settings FROM tenants WHERE id = ?", tenant_id)
    if row is None:
        raise not_found(f"Tenant {tenant_id} does not exist.", "inexistent_tenant")
    settings = from_json_column(row["settings"], {})
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            settings[key] = {**settings[key], **value}
        else:
            settings[key] = value
    await platform.db.run(
        "UPDATE tenants SET settings = ?, updated_at = ? WHERE id = ?",
        to_json_column(settings),
        iso_now(platform.clock()),
        tenant_id,
    )
    return await publish_tenant(platform, tenant_id)


async def ensure_default_tenant(platform: Platform) -> Tenant:
    """Created on the first start (CLI `serve`) or the first request of a deployment."""
    tenant_id = platform.settings.default_tenant
    await _insert(platform, tenant_id, tenant_id)
    return await publish_tenant(platform, tenant_id)


async def require_tenant(platform: Platform, tenant_id: str) -> None:
    if await platform.db.first("SELECT id FROM tenants WHERE id = ?", tenant_id) is None:
        raise not_found(f"Tenant {tenant_id} does not exist.", "inexistent_tenant")


async def list_tenant_ids(platform: Platform) -> list[str]:
    return [row["id"] for row in await platform.db.all("SELECT id FROM tenants ORDER BY id")]
