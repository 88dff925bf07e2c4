"""Other issuers' signing keys (JWKS, RFC 7517), fetched through the runtime's outbound HTTP and
cached in KV: trusted issuers on the Management API and upstream OpenID Connect providers.

A token with an unknown `kid` refetches the JWKS, at most once per `REFETCH_INTERVAL_SECONDS` per
URI (jwks-rsa's default of 10 requests a minute), so forged `kid`s cannot turn the server into a
request amplifier.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from edgeauth.encoding import b64url_encode
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant, get_json

log = logging.getLogger(__name__)

JWKS_TTL_SECONDS = 600
REFETCH_INTERVAL_SECONDS = 6
MAX_JWKS_KEYS = 20


def jwks_cache_key(tenant_id: str, jwks_uri: str) -> str:
    """KV key of a JWKS the tenant fetched (every key is the tenant's own: docs/security.md)."""
    return f"jwks:{tenant_id}:" + b64url_encode(hashlib.sha256(jwks_uri.encode()).digest())


def _verification_keys(document: Any) -> list[dict[str, str]]:
    """The RS256 signing keys of a JWKS (RFC 7517 §5), each with the `kid` tokens must name."""
    keys = document.get("keys") if isinstance(document, dict) else None
    usable = [
        {"kid": k["kid"], "n": k["n"], "e": k["e"]}
        for k in (keys if isinstance(keys, list) else [])
        if isinstance(k, dict)
        and k.get("kty") == "RSA"
        and k.get("use", "sig") == "sig"
        and k.get("alg", "RS256") == "RS256"
        and all(isinstance(k.get(name), str) and k[name] for name in ("kid", "n", "e"))
    ]
    return usable[:MAX_JWKS_KEYS]


async def _fetch_keys(platform: Platform, tenant: Tenant, jwks_uri: str) -> list[dict[str, str]] | None:
    """The keys at `jwks_uri`, or None when it cannot be fetched or is not a JWKS."""
    try:
        response = await platform.http.get(jwks_uri, allow_loopback=tenant.dev_mode)
        if response.status != 200:
            raise ValueError(f"status {response.status}")
        return _verification_keys(json.loads(response.body))
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("JWKS %s not fetched: %s", jwks_uri, exc)
        return None


async def jwks_keys(platform: Platform, tenant: Tenant, jwks_uri: str, kid: str) -> list[dict[str, str]]:
    """The tenant's cached keys of `jwks_uri`; fetched when absent, and refetched when `kid` is
    unknown and the last fetch (even a failed one) is `REFETCH_INTERVAL_SECONDS` old."""
    key = jwks_cache_key(tenant.id, jwks_uri)
    cached = await get_json(platform.config, key)
    if cached is not None and (
        any(k["kid"] == kid for k in cached["keys"])
        or platform.now() - cached["fetched_at"] < REFETCH_INTERVAL_SECONDS
    ):
        keys: list[dict[str, str]] = cached["keys"]
        return keys
    fetched = await _fetch_keys(platform, tenant, jwks_uri)
    keys = fetched if fetched is not None else (cached["keys"] if cached else [])
    entry = {"keys": keys, "fetched_at": platform.now()}
    await platform.config.put(key, json.dumps(entry, separators=(",", ":")), ttl=JWKS_TTL_SECONDS)
    return keys
