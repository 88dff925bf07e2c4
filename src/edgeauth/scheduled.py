"""The daily cron: rotate every tenant's signing keys (docs/architecture.md, "Keys"), prune old logs."""

from __future__ import annotations

from edgeauth.admin.logs import prune_logs
from edgeauth.admin.tenants import list_tenant_ids
from edgeauth.keys.keyset import rotate_keyset
from edgeauth.platform import Platform
from edgeauth.rate_limits import prune_rate_limits


async def on_schedule(platform: Platform, cron: str, scheduled_time_ms: int) -> None:
    for tenant_id in await list_tenant_ids(platform):
        await rotate_keyset(platform, tenant_id)
    await prune_logs(platform)
    await prune_rate_limits(platform)
