"""External OAuth2/OIDC issuers a tenant trusts on its Management API (an edgeauth extension).

A trusted issuer's RS256 access tokens are verified with the keys at its `jwks_uri`, fetched
through the runtime's outbound HTTP and cached in KV; a token with an unknown `kid` refetches the
JWKS, at most once per `REFETCH_INTERVAL` per URI (jwks-rsa's default of 10 requests a minute),
so a stream of forged `kid`s cannot turn the server into a request amplifier.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.rows import iso_now
from edgeauth.admin.tenants import require_tenant
from edgeauth.encoding import b64url_encode
from edgeauth.jose import decode_verified, unverified_json
from edgeauth.oauth.bearer import checked_claims, invalid_token
from edgeauth.platform import Platform
from edgeauth.snapshots import get_json

log = logging.getLogger(__name__)

JWKS_TTL_SECONDS = 600
REFETCH_INTERVAL_SECONDS = 6
MAX_JWKS_KEYS = 20
MAX_ISSUER_CHARS = 300
MAX_AUDIENCE_CHARS = 600
MAX_URI_CHARS = 1000


def trusted_issuer_id(issuer: str) -> str:
    """A stable id for the `/trusted-issuers/{id}` path (an issuer is a URL, unfit for a path)."""
    return "tis_" + b64url_encode(hashlib.sha256(issuer.encode()).digest()[:16])


def issuer_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": trusted_issuer_id(row["issuer"]),
        "issuer": row["issuer"],
        "jwks_uri": row["jwks_uri"],
        "audience": row["audience"],
        "created_at": row["created_at"],
    }


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def check_jwks_uri(uri: str) -> None:
    """`https://…`, or `http://` on a loopback host only (development), as for redirect URIs."""
    parts = urlsplit(uri)
    secure = parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname or ""))
    if not (secure and parts.hostname and len(uri) <= MAX_URI_CHARS):
        raise bad_request("jwks_uri must be an https URL (http only on a loopback host).")


def _check_text(name: str, value: str, limit: int) -> None:
    if not value.strip() or len(value) > limit:
        raise bad_request(f"{name} must be 1 to {limit} characters.")


async def add_trusted_issuer(
    platform: Platform, tenant_id: str, *, issuer: str, jwks_uri: str, audience: str
) -> dict[str, Any]:
    """Trust `issuer`'s tokens for `audience`; 409 when the issuer is already trusted."""
    _check_text("issuer", issuer, MAX_ISSUER_CHARS)
    _check_text("audience", audience, MAX_AUDIENCE_CHARS)
    check_jwks_uri(jwks_uri)
    await require_tenant(platform, tenant_id)
    inserted = await platform.db.run(
        "INSERT OR IGNORE INTO trusted_issuers (tenant_id, issuer, jwks_uri, audience, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        tenant_id,
        issuer,
        jwks_uri,
        audience,
        iso_now(platform.clock()),
    )
    if not inserted:
        raise conflict(f"The issuer {issuer} is already trusted.", "trusted_issuer_conflict")
    return issuer_json(await _row(platform, tenant_id, issuer))


async def _row(platform: Platform, tenant_id: str, issuer: str) -> dict[str, Any]:
    row = await find_trusted_issuer(platform, tenant_id, issuer)
    if row is None:
        raise not_found("The trusted issuer does not exist.", "inexistent_trusted_issuer")
    return row


async def find_trusted_issuer(platform: Platform, tenant_id: str, issuer: str) -> dict[str, Any] | None:
    return await platform.db.first(
        "SELECT * FROM trusted_issuers WHERE tenant_id = ? AND issuer = ?", tenant_id, issuer
    )


async def list_trusted_issuers(platform: Platform, tenant_id: str) -> list[dict[str, Any]]:
    rows = await platform.db.all(
        "SELECT * FROM trusted_issuers WHERE tenant_id = ? ORDER BY issuer", tenant_id
    )
    return [issuer_json(row) for row in rows]


async def get_trusted_issuer(platform: Platform, tenant_id: str, issuer_id: str) -> dict[str, Any]:
    found = [i for i in await list_trusted_issuers(platform, tenant_id) if i["id"] == issuer_id]
    if not found:
        raise not_found("The trusted issuer does not exist.", "inexistent_trusted_issuer")
    return found[0]


async def delete_trusted_issuer(platform: Platform, tenant_id: str, issuer_id: str) -> None:
    issuer = await get_trusted_issuer(platform, tenant_id, issuer_id)
    await platform.db.run(
        "DELETE FROM trusted_issuers WHERE tenant_id = ? AND issuer = ?", tenant_id, issuer["issuer"]
    )


# --- verifying a trusted issuer's tokens --------------------------------------------------------


def jwks_cache_key(jwks_uri: str) -> str:
    """KV key of a fetched JWKS, shared by every tenant trusting the same URI (public data)."""
    return "jwks:" + b64url_encode(hashlib.sha256(jwks_uri.encode()).digest())


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


async def _fetch_keys(platform: Platform, jwks_uri: str) -> list[dict[str, str]] | None:
    """The keys at `jwks_uri`, or None when it cannot be fetched or is not a JWKS."""
    try:
        response = await platform.http.get(jwks_uri)
        if response.status != 200:
            raise ValueError(f"status {response.status}")
        return _verification_keys(json.loads(response.body))
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("JWKS %s not fetched: %s", jwks_uri, exc)
        return None


async def jwks_keys(platform: Platform, jwks_uri: str, kid: str) -> list[dict[str, str]]:
    """The cached keys of `jwks_uri`; fetched when absent, and refetched when `kid` is unknown
    and the last fetch (even a failed one) is `REFETCH_INTERVAL_SECONDS` old."""
    key = jwks_cache_key(jwks_uri)
    cached = await get_json(platform.config, key)
    if cached is not None and (
        any(k["kid"] == kid for k in cached["keys"])
        or platform.now() - cached["fetched_at"] < REFETCH_INTERVAL_SECONDS
    ):
        return cached["keys"]
    fetched = await _fetch_keys(platform, jwks_uri)
    keys = fetched if fetched is not None else (cached["keys"] if cached else [])
    entry = {"keys": keys, "fetched_at": platform.now()}
    await platform.config.put(key, json.dumps(entry, separators=(",", ":")), ttl=JWKS_TTL_SECONDS)
    return keys


async def verify_trusted_token(platform: Platform, trusted: dict[str, Any], token: str) -> dict[str, Any]:
    """Claims of a live RS256 token of a trusted issuer for its configured audience."""
    kid = unverified_json(token, 0).get("kid")
    if not isinstance(kid, str) or not kid:
        raise invalid_token("Invalid access token")
    keys = await jwks_keys(platform, trusted["jwks_uri"], kid)
    claims = decode_verified(token, keys)
    return checked_claims(claims, trusted["issuer"], trusted["audience"], platform.now())
