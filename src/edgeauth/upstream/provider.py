"""An upstream OpenID Connect provider as a connection describes it (Auth0 `oidc` options:
`issuer` or `discovery_url`, `client_id`, `client_secret`, `scope`, and any endpoint given
explicitly), its discovery document (OpenID Connect Discovery 1.0 §4) fetched and cached in KV."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from edgeauth.encoding import b64url_encode
from edgeauth.platform import Platform
from edgeauth.snapshots import Connection, get_json

DISCOVERY_TTL_SECONDS = 3600
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
DEFAULT_SCOPE = "openid profile email"


class UpstreamError(Exception):
    """The upstream provider cannot be used, or refused; `description` is safe to show."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class Provider:
    connection: str
    strategy: str
    issuer: str
    client_id: str
    scope: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""


def discovery_url(options: dict[str, Any]) -> str:
    if options.get("discovery_url"):
        return str(options["discovery_url"])
    if options.get("issuer"):
        return str(options["issuer"]).rstrip("/") + "/.well-known/openid-configuration"
    raise UpstreamError("The connection has neither issuer nor discovery_url.")


async def fetch_discovery(platform: Platform, url: str) -> dict[str, Any]:
    """The discovery document, from KV when fetched in the last hour."""
    key = "discovery:" + b64url_encode(hashlib.sha256(url.encode()).digest())
    cached = await get_json(platform.config, key)
    if isinstance(cached, dict):
        return cached
    try:
        response = await platform.http.get(url)
        document = json.loads(response.body) if response.status == 200 else None
    except (OSError, ValueError) as exc:
        raise UpstreamError(f"The provider's discovery document could not be fetched: {exc}") from exc
    if not isinstance(document, dict) or not all(isinstance(document.get(e), str) for e in ENDPOINTS):
        raise UpstreamError("The provider's discovery document is missing or incomplete.")
    await platform.config.put(key, json.dumps(document), ttl=DISCOVERY_TTL_SECONDS)
    return document


async def provider_for(platform: Platform, connection: Connection) -> Provider:
    """Explicit endpoint options win over the discovery document's."""
    options = connection.options
    if not options.get("client_id"):
        raise UpstreamError("The connection has no client_id.")
    explicit = all(options.get(e) for e in ENDPOINTS) and options.get("issuer")
    document = {} if explicit else await fetch_discovery(platform, discovery_url(options))
    value = {
        name: str(options.get(name) or document.get(name) or "")
        for name in (*ENDPOINTS, "userinfo_endpoint", "issuer")
    }
    return Provider(
        connection=connection.name,
        strategy=connection.strategy,
        client_id=str(options["client_id"]),
        scope=str(options.get("scope") or DEFAULT_SCOPE),
        **value,
    )
