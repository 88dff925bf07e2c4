"""The runtime bundle the core is handed: ports plus deployment settings."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import dataclass, field

from edgeauth.config_store import ConfigStore
from edgeauth.ports import (
    Clock,
    Crypto,
    Database,
    Deferrer,
    EmailBinding,
    HttpFetcher,
    HttpResponse,
    ObjectNamespace,
    QueueProducer,
)


@dataclass(frozen=True)
class Settings:
    """Deployment settings (Worker vars; locally CLI flags): README.md, "Configuration reference"."""

    default_tenant: str = "default"
    base_domain: str = "localhost"
    # The canonical origins' scheme and public port (None: the scheme's default): issuers and
    # every emailed or third-party URL are built from these, never from the request.
    scheme: str = "https"
    port: int | None = None
    # Hosts besides BASE_DOMAIN that serve the default tenant (locally 127.0.0.1 and [::1]).
    default_hosts: tuple[str, ...] = ()
    # Where the caller's IP comes from (edgeauth.audit.client_ip): a header the platform sets and
    # clients cannot forge (Workers: `cf-connecting-ip`), else the socket peer; `X-Forwarded-For`
    # only when the peer is one of `trusted_proxies`.
    client_ip_header: str = ""
    trusted_proxies: tuple[str, ...] = ()


class NoOutboundHttp:
    """`HttpFetcher` of a runtime that wires none: every request fails as if refused."""

    async def get(
        self, url: str, headers: dict[str, str] | None = None, *, allow_loopback: bool = False
    ) -> HttpResponse:
        raise OSError(f"no outbound HTTP in this runtime: GET {url}")

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool = False
    ) -> HttpResponse:
        raise OSError(f"no outbound HTTP in this runtime: POST {url}")

    async def patch(
        self, url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool = False
    ) -> HttpResponse:
        raise OSError(f"no outbound HTTP in this runtime: PATCH {url}")


async def run_inline(work: Awaitable[None]) -> None:
    """The local runtime's `defer`: the work is simply awaited (same order as the code reads)."""
    await work


@dataclass(frozen=True)
class Platform:
    """Everything the core reaches outside itself, as ports (docs/architecture.md, "One core, two
    runtimes")."""

    # KV (`CONFIG`) behind the isolate's snapshot cache (edgeauth.config_store).
    config: ConfigStore
    db: Database
    users: ObjectNamespace
    user_events: QueueProducer
    crypto: Crypto
    settings: Settings = field(default_factory=Settings)
    clock: Clock = time.time
    http: HttpFetcher = field(default_factory=NoOutboundHttp)
    # Cloudflare's `send_email` binding named EMAIL, when the Worker declares one.
    email: EmailBinding | None = None
    defer: Deferrer = run_inline

    def now(self) -> int:
        """Current Unix time in whole seconds."""
        return int(self.clock())
