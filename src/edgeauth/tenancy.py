"""Which tenant a request is for, from its Host header, and the tenant's canonical origin
(docs/security.md, "Hosts and origins").

The Host header only *selects* among the deployment's canonical hosts; it never becomes part of a
URL. A Host that is not a syntactically valid `host[:port]` is malformed (400); one that names none
of these is unknown (404):

1. a tenant's custom domain (the KV map `domain:{hostname}`, Auth0 custom domains);
2. `{tenant}.{BASE_DOMAIN}` for an existing tenant;
3. `BASE_DOMAIN` itself, and the deployment's extra default hosts (locally `127.0.0.1` and `[::1]`),
   for the default tenant.

A port, if present, must be the deployment's public port. The issuer is then
`{scheme}://{canonical host}[:{port}]/` with the trailing slash, as Auth0's (docs/auth0-contract.md,
"Issuer"), built
from the deployment's settings (scheme, port) and the matched name.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache

from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant, domain_key, load_tenant

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST = re.compile(
    rf"(?P<name>{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]{{2,45}}\])(?::(?P<port>[0-9]{{1,5}}))?", re.ASCII
)
MAX_HOSTNAME = 253


class MalformedHost(ValueError):
    """The Host header is not a valid `host[:port]` (answered 400)."""


@dataclass(frozen=True)
class Site:
    """A request's tenant and the canonical origin it was reached on (no trailing slash)."""

    tenant: Tenant
    origin: str
    # Reached on one of the tenant's own domains (not under BASE_DOMAIN, which every tenant shares):
    # only there may the tenant's own HTML and scripts run (docs/security.md, "Tenant HTML").
    own_domain: bool = False

    @property
    def issuer(self) -> str:
        return self.origin + "/"


@lru_cache(maxsize=1024)
def parse_host(header: str) -> tuple[str, int | None]:
    """`(hostname, port)` of a Host header, lower-cased; `MalformedHost` for anything else
    (userinfo `@`, paths, `..`, extra colons, empty labels, bad ports). Remembered for the few
    hosts a deployment serves (a refused header is not remembered)."""
    match = HOST.fullmatch(header.lower())
    if match is None or len(match.group("name")) > MAX_HOSTNAME:
        raise MalformedHost(header)
    port = match.group("port")
    if port is not None and not 0 < int(port) < 65536:
        raise MalformedHost(header)
    return match.group("name"), None if port is None else int(port)


def origin_for(platform: Platform, hostname: str) -> str:
    """The canonical origin of a deployment host: its scheme and public port, never the request's."""
    settings = platform.settings
    default_port = 443 if settings.scheme == "https" else 80
    port = "" if settings.port in (None, default_port) else f":{settings.port}"
    return f"{settings.scheme}://{hostname}{port}"


def _port_matches(platform: Platform, port: int | None) -> bool:
    settings = platform.settings
    return port is None or port == (settings.port or (443 if settings.scheme == "https" else 80))


def as_text(raw: str | None) -> str | None:
    return raw


def shares_base_domain(platform: Platform, hostname: str) -> bool:
    """`BASE_DOMAIN` or a name under it: cookies set for it reach every tenant's host."""
    base = platform.settings.base_domain
    return hostname == base or hostname.endswith("." + base)


async def _tenant_id_for(platform: Platform, hostname: str) -> tuple[str | None, bool]:
    """The tenant a hostname names, and whether through a custom domain."""
    settings = platform.settings
    mapped = await platform.config.snapshot(domain_key(hostname), as_text)
    if mapped:
        return mapped, True
    if hostname == settings.base_domain or hostname in settings.default_hosts:
        return settings.default_tenant, False
    suffix = "." + settings.base_domain
    if hostname.endswith(suffix) and "." not in hostname[: -len(suffix)]:
        return hostname[: -len(suffix)], False
    return None, False


# Creates the deployment's default tenant on its first request (the admin layer's, handed in by the
# app: this domain module does not import the admin layer).
CreateDefault = Callable[[Platform], Awaitable[Tenant]]


async def resolve_site(
    platform: Platform, host_header: str, create_default: CreateDefault | None = None
) -> Site | None:
    """The tenant and canonical origin a Host names; `None` when it names none (404);
    `MalformedHost` when it is not a host at all (400)."""
    hostname, port = parse_host(host_header)
    tenant_id, custom = (
        await _tenant_id_for(platform, hostname) if _port_matches(platform, port) else (None, False)
    )
    if tenant_id is None:
        return None
    tenant = await load_tenant(platform.config, tenant_id)
    if tenant is None and tenant_id == platform.settings.default_tenant and create_default is not None:
        tenant = await create_default(platform)  # the first request of a deployment
    if tenant is None:
        return None
    return Site(tenant, origin_for(platform, hostname), custom and not shares_base_domain(platform, hostname))


async def tenant_for_issuer(platform: Platform, issuer: str) -> Tenant | None:
    """The tenant whose canonical issuer `issuer` is exactly (a token of this deployment)."""
    scheme, sep, rest = issuer.partition("://")
    if not sep or not rest.endswith("/") or scheme != platform.settings.scheme:
        return None
    try:
        site = await resolve_site(platform, rest[:-1])
    except MalformedHost:
        return None
    return site.tenant if site is not None and site.issuer == issuer else None
