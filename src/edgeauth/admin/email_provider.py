"""The tenant's email provider (Auth0 `/api/v2/emails/provider`): which service delivers its email.

One per tenant in D1; credentials are sealed with the deployment key and never returned (Auth0
returns none of its secrets either). Without a configured, enabled provider, email goes to the
outbox (D1), as the local runtime and a new deployment want.
"""

from __future__ import annotations

import json
from typing import Any

from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.tenants import require_tenant
from edgeauth.admin.urls import check_configured_url
from edgeauth.mail.providers import PROVIDERS
from edgeauth.mail.settings import provider_credentials, provider_row
from edgeauth.platform import Platform
from edgeauth.rows import from_json_column, iso_now, to_json_column

# Credential fields each provider needs; `domain` is Mailgun's sending domain (not secret).
REQUIRED_CREDENTIALS = {"sendgrid": ("api_key",), "resend": ("api_key",), "mailgun": ("api_key", "domain")}
PUBLIC_CREDENTIALS = ("domain",)


def inexistent_provider() -> Exception:
    return not_found("Email provider has not been configured.", "inexistent_email_provider")


def _check(fields: dict[str, Any]) -> None:
    name = fields.get("name")
    if name not in PROVIDERS:
        raise bad_request(f"name must be one of {', '.join(sorted(PROVIDERS))}.")
    credentials = fields.get("credentials") or {}
    if not isinstance(credentials, dict) or not all(isinstance(v, str) for v in credentials.values()):
        raise bad_request("credentials must be an object of strings.")
    missing = [key for key in REQUIRED_CREDENTIALS.get(name, ()) if not credentials.get(key)]
    if missing:
        raise bad_request(f"The {name} provider needs credentials {', '.join(missing)}.")


def _provider_json(row: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
    """Auth0's shape; of the credentials only the public ones."""
    return {
        "name": row["name"],
        "enabled": bool(row["enabled"]),
        "default_from_address": row["default_from_address"],
        "credentials": {k: v for k, v in credentials.items() if k in PUBLIC_CREDENTIALS},
        "settings": from_json_column(row["settings"], {}),
    }


async def get_provider(platform: Platform, tenant_id: str) -> dict[str, Any]:
    """Auth0 `GET /emails/provider`: 404 until configured."""
    row = await provider_row(platform, tenant_id)
    if row is None:
        raise inexistent_provider()
    return _provider_json(row, await provider_credentials(platform, row))


async def _write(platform: Platform, tenant_id: str, fields: dict[str, Any], created_at: str) -> None:
    _check(fields)
    base_url = (fields.get("settings") or {}).get("base_url", "")
    if base_url:
        await check_configured_url(platform, tenant_id, "settings.base_url", str(base_url))
    credentials = fields.get("credentials") or {}
    sealed = await platform.crypto.seal(json.dumps(credentials).encode()) if credentials else ""
    await platform.db.run(
        "INSERT OR REPLACE INTO email_providers (tenant_id, name, enabled, default_from_address,"
        " credentials, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        tenant_id,
        fields["name"],
        int(bool(fields.get("enabled", True))),
        str(fields.get("default_from_address") or ""),
        sealed,
        to_json_column(fields.get("settings") or {}),
        created_at,
        iso_now(platform.clock()),
    )


async def create_provider(platform: Platform, tenant_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Auth0 `POST /emails/provider`: 409 when one is configured (PATCH changes it)."""
    await require_tenant(platform, tenant_id)
    if await provider_row(platform, tenant_id) is not None:
        raise conflict("An email provider is already configured.", "email_provider_conflict")
    await _write(platform, tenant_id, fields, iso_now(platform.clock()))
    return await get_provider(platform, tenant_id)


async def update_provider(platform: Platform, tenant_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Auth0 `PATCH /emails/provider`: the given fields replace; credentials are kept unless given."""
    row = await provider_row(platform, tenant_id)
    if row is None:
        raise inexistent_provider()
    current = {
        **_provider_json(row, {}),
        "credentials": await provider_credentials(platform, row),
    }
    merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
    await _write(platform, tenant_id, merged, row["created_at"])
    return await get_provider(platform, tenant_id)


async def set_provider(platform: Platform, tenant_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create or replace (the CLI's `email provider`)."""
    await require_tenant(platform, tenant_id)
    row = await provider_row(platform, tenant_id)
    await _write(platform, tenant_id, fields, row["created_at"] if row else iso_now(platform.clock()))
    return await get_provider(platform, tenant_id)


async def delete_provider(platform: Platform, tenant_id: str) -> None:
    """Auth0 `DELETE /emails/provider`: email goes back to the outbox."""
    if not await platform.db.run("DELETE FROM email_providers WHERE tenant_id = ?", tenant_id):
        raise inexistent_provider()
