"""Which tenant a request is for, from its Host header (design.md, "Tenancy").

A custom-domain map in KV, else `{tenant}.{BASE_DOMAIN}`, else the deployment's default tenant.
The issuer is `{scheme}://{host}/` with the trailing slash, as Auth0's (contract B.0-1).
"""

from __future__ import annotations

from edgeauth.admin.tenants import ensure_default_tenant
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant, domain_key, load_tenant


def hostname_of(host: str) -> str:
    """`Host` header without the port, lower-cased (`[::1]:8787` → `[::1]`)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def tenant_id_for_host(platform: Platform, host: str) -> str | None:
    """The tenant id a host names; `None` for an unknown `{x}.{BASE_DOMAIN}`."""
    hostname = hostname_of(host)
    mapped = await platform.config.get(domain_key(hostname))
    if mapped:
        return mapped
    suffix = "." + platform.settings.base_domain
    if hostname.endswith(suffix):
        label = hostname[: -len(suffix)]
        return None if "." in label else label
    return platform.settings.default_tenant


async def resolve_tenant(platform: Platform, host: str) -> Tenant | None:
    tenant_id = await tenant_id_for_host(platform, host)
    if tenant_id is None:
        return None
    tenant = await load_tenant(platform.config, tenant_id)
    if tenant is None and tenant_id == platform.settings.default_tenant:
        tenant = await ensure_default_tenant(platform)  # the first request of a deployment
    return tenant


def issuer_for(scheme: str, host: str) -> str:
    return f"{scheme}://{host}/"
