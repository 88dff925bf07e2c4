"""Which URLs a tenant may make edgeauth fetch (connections, JWKS, email APIs): no SSRF.

A URL a tenant configures is fetched from inside the deployment, so it must not reach what only
the deployment can reach: loopback, private networks, link-local (169.254.169.254, the cloud
metadata service) and other special addresses. The rule (docs/security.md "Outbound requests"):

- `https` only; `http` only to a loopback host, and loopback at all only for a tenant in dev mode
  (an operator-only switch, `edgeauth tenants update --dev-mode on`, for local providers in tests);
- no user info in the URL; a literal IP must be a global unicast address; names that only resolve
  inside a network (`localhost`, `*.local`, `*.internal`, …) are refused;
- checked when the URL is saved (Management API 400) and again before every fetch; the local runtime
  also checks every address a name resolves to and connects only to a checked one (no DNS
  rebinding). On Workers, Cloudflare's `fetch` cannot reach private networks; the checks here still
  refuse them by name and literal.
"""

from __future__ import annotations

import ipaddress
from abc import ABC, abstractmethod
from urllib.parse import urlsplit

from edgeauth.ports import HttpResponse

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa", ".corp")
INTERNAL_NAMES = frozenset({"metadata", "metadata.google.internal", "instance-data"})


class UnsafeUrl(ValueError):
    """A URL edgeauth will not fetch for a tenant."""


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback_host(host: str) -> bool:
    ip = _literal_ip(host)
    return ip.is_loopback if ip is not None else host in LOOPBACK_NAMES


def check_address(address: str, *, allow_loopback: bool) -> None:
    """An address a name resolved to (or a literal one) must be globally routable."""
    ip = _literal_ip(address)
    if ip is None:
        raise UnsafeUrl("not an IP address")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and allow_loopback:
        return
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        raise UnsafeUrl("the address is not a public one")


def check_url(url: str, *, allow_loopback: bool = False) -> None:
    """`UnsafeUrl` unless `url` may be fetched for a tenant (see the module docstring)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 (a malformed port raises here)
    except ValueError as exc:
        raise UnsafeUrl("malformed URL") from exc
    if parts.scheme not in ("https", "http") or not host or parts.username is not None or "@" in parts.netloc:
        raise UnsafeUrl("only https URLs without user info")
    loopback = is_loopback_host(host)
    if parts.scheme == "http" and not (loopback and allow_loopback):
        raise UnsafeUrl("only https URLs")
    if loopback:
        if not allow_loopback:
            raise UnsafeUrl("loopback addresses are refused")
        return
    if _literal_ip(host) is not None:
        check_address(host, allow_loopback=False)
    elif host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES) or "." not in host or host[-1].isdigit():
        raise UnsafeUrl("the host is not a public name")


class GuardedFetcher(ABC):
    """The `HttpFetcher` port over one `_fetch`, which each runtime implements (after
    `check_url`: both refuse before any connection)."""

    @abstractmethod
    async def _fetch(
        self, method: str, url: str, headers: dict[str, str] | None, body: bytes | None, allow_loopback: bool
    ) -> HttpResponse: ...

    async def get(
        self, url: str, headers: dict[str, str] | None = None, *, allow_loopback: bool = False
    ) -> HttpResponse:
        return await self._fetch("GET", url, headers, None, allow_loopback)

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool = False
    ) -> HttpResponse:
        return await self._fetch("POST", url, headers, body, allow_loopback)

    async def patch(
        self, url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool = False
    ) -> HttpResponse:
        return await self._fetch("PATCH", url, headers, body, allow_loopback)
