"""URLs a tenant configures for edgeauth to fetch (connections, JWKS, email API), checked when saved."""

from __future__ import annotations

from edgeauth.admin.errors import bad_request
from edgeauth.outbound import UnsafeUrl, check_url
from edgeauth.platform import Platform
from edgeauth.snapshots import load_tenant

MAX_URL_CHARS = 2000


async def check_configured_url(platform: Platform, tenant_id: str, field: str, url: str) -> None:
    """Auth0's 400 unless `url` passes the tenant's outbound policy (edgeauth.outbound)."""
    tenant = await load_tenant(platform.config, tenant_id)
    try:
        if len(url) > MAX_URL_CHARS:
            raise UnsafeUrl("too long")
        check_url(url, allow_loopback=bool(tenant and tenant.dev_mode))
    except UnsafeUrl as exc:
        raise bad_request(
            f"{field} must be a public https URL (loopback only for a tenant in dev mode)."
        ) from exc
