"""The tenant's email provider as D1 holds it (Auth0 `/emails/provider`): credentials sealed with
the deployment key; without an enabled provider, the outbox."""

from __future__ import annotations

import json
from typing import Any

from edgeauth.mail.providers import Provider
from edgeauth.platform import Platform
from edgeauth.rows import from_json_column

DEFAULT = Provider(name="outbox", default_from_address="")


async def provider_row(platform: Platform, tenant_id: str) -> dict[str, Any] | None:
    return await platform.db.first("SELECT * FROM email_providers WHERE tenant_id = ?", tenant_id)


async def provider_credentials(platform: Platform, row: dict[str, Any]) -> dict[str, str]:
    return json.loads(await platform.crypto.unseal(row["credentials"])) if row["credentials"] else {}


async def active_provider(platform: Platform, tenant_id: str) -> Provider:
    """What delivers the tenant's email now: its enabled provider, else the outbox."""
    row = await provider_row(platform, tenant_id)
    if row is None or not row["enabled"]:
        return DEFAULT
    return Provider(
        name=row["name"],
        default_from_address=row["default_from_address"],
        credentials=await provider_credentials(platform, row),
        settings=from_json_column(row["settings"], {}),
    )
