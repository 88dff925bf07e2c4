"""An upstream provider as a connection describes it: its strategy's defaults (`strategies`), then
the connection's options (Auth0 names: `issuer` or `discovery_url`, `client_id`, `client_secret`,
`scope`, any endpoint); for OpenID Connect, the discovery document (OpenID Connect Discovery 1.0 §4)
fills what neither gives, fetched and cached in KV."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from edgeauth.connections.strategies import STRATEGIES, Strategy
from edgeauth.encoding import b64url_encode
from edgeauth.outbound import UnsafeUrl, check_url
from edgeauth.platform import Platform
from edgeauth.snapshots import Connection, Tenant, get_json

log = logging.getLogger(__name__)
DISCOVERY_TTL_SECONDS = 3600
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
OAUTH2_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint")


class UpstreamError(Exception):
    """The upstream provider cannot be used, or refused; `description` is safe to show."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class Provider:
    # Whose connection it is: its caches are the tenant's own, its URLs checked by its policy.
    tenant: Tenant
    connection: str
    strategy: Strategy
    issuer: str
    client_id: str
    scope: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    # The connection's options over its strategy's defaults (Apple's `team_id`, GitHub's
    # `emails_endpoint` …); never the secrets, which only the callback reads from D1.
    options: dict[str, Any] = field(default_factory=dict)


def discovery_url(options: dict[str, Any]) -> str:
    if options.get("discovery_url"):
        return str(options["discovery_url"])
    if options.get("issuer"):
        return str(options["issuer"]).rstrip("/") + "/.well-known/openid-configuration"
    raise UpstreamError("The connection has neither issuer nor discovery_url.")


async def fetch_discovery(platform: Platform, tenant: Tenant, url: str) -> dict[str, Any]:
    """The discovery document, from the tenant's KV cache when fetched in the last hour."""
    key = f"discovery:{tenant.id}:" + b64url_encode(hashlib.sha256(url.encode()).digest())
    cached = await get_json(platform.config, key)
    if isinstance(cached, dict):
        return cached
    try:
        response = await platform.http.get(url, allow_loopback=tenant.dev_mode)
        document = json.loads(response.body) if response.status == 200 else None
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("discovery %s not fetched: %s", url, exc)
        raise UpstreamError("The provider's discovery document could not be fetched.") from exc
    if not isinstance(document, dict) or not all(isinstance(document.get(e), str) for e in ENDPOINTS):
        raise UpstreamError("The provider's discovery document is missing or incomplete.")
    await platform.config.put(key, json.dumps(document), ttl=DISCOVERY_TTL_SECONDS)
    return document


def needs_discovery(strategy: Strategy, options: dict[str, Any]) -> bool:
    """OpenID Connect without every endpoint and the issuer given: ask the discovery document."""
    return strategy.openid and not (all(options.get(e) for e in ENDPOINTS) and options.get("issuer"))


async def provider_for(platform: Platform, tenant: Tenant, connection: Connection) -> Provider:
    """Options win over the strategy's defaults, both over the discovery document; every URL
    must pass the tenant's outbound policy (edgeauth.outbound)."""
    strategy = STRATEGIES.get(connection.strategy)
    if strategy is None:
        raise UpstreamError(f"The strategy {connection.strategy} is not an upstream one.")
    options = {**strategy.defaults, **{k: v for k, v in connection.options.items() if v}}
    if not options.get("client_id"):
        raise UpstreamError("The connection has no client_id.")
    discover = needs_discovery(strategy, options)
    document = await fetch_discovery(platform, tenant, discovery_url(options)) if discover else {}
    names = (*ENDPOINTS, "userinfo_endpoint", "issuer")
    value = {name: str(options.get(name) or document.get(name) or "") for name in names}
    if not all(value[name] for name in (ENDPOINTS if strategy.openid else OAUTH2_ENDPOINTS)):
        raise UpstreamError("The connection's endpoints are incomplete.")
    try:
        for name in ("token_endpoint", "jwks_uri", "userinfo_endpoint", "emails_endpoint"):
            url = value.get(name) or options.get(name)
            if url:
                check_url(str(url), allow_loopback=tenant.dev_mode)
    except UnsafeUrl as exc:
        raise UpstreamError("The connection's endpoints are not allowed.") from exc
    return Provider(
        tenant=tenant,
        connection=connection.name,
        strategy=strategy,
        client_id=str(options["client_id"]),
        scope=str(options.get("scope") or ""),
        options=options,
        **value,
    )
