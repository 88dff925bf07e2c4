"""External OAuth2/OIDC issuers a tenant trusts on its Management API (an edgeauth extension).

A trusted issuer's RS256 access tokens are verified with the keys at its `jwks_uri`
(`edgeauth.jwks_cache`: fetched through the runtime's outbound HTTP, cached in KV).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.tenants import require_tenant
from edgeauth.admin.urls import check_configured_url
from edgeauth.encoding import b64url_encode
from edgeauth.jose import decode_verified, unverified_json
from edgeauth.jwks_cache import jwks_keys
from edgeauth.platform import Platform
from edgeauth.rows import iso_now
from edgeauth.snapshots import Tenant
from edgeauth.tokens import InvalidToken, checked_claims

log = logging.getLogger(__name__)

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


def _check_text(name: str, value: str, limit: int) -> None:
    if not value.strip() or len(value) > limit:
        raise bad_request(f"{name} must be 1 to {limit} characters.")


async def add_trusted_issuer(
    platform: Platform, tenant_id: str, *, issuer: str, jwks_uri: str, audience: str
) -> dict[str, Any]:
    """Trust `issuer`'s tokens for `audience`; 409 when the issuer is already trusted."""
    _check_text("issuer", issuer, MAX_ISSUER_CHARS)
    _check_text("audience", audience, MAX_AUDIENCE_CHARS)
    await require_tenant(platform, tenant_id)
    await check_configured_url(platform, tenant_id, "jwks_uri", jwks_uri)
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


async def verify_trusted_token(
    platform: Platform, tenant: Tenant, trusted: dict[str, Any], token: str
) -> dict[str, Any]:
    """Claims of a live RS256 token of a trusted issuer for its configured audience."""
    kid = unverified_json(token, 0).get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("Invalid access token")
    keys = await jwks_keys(platform, tenant, trusted["jwks_uri"], kid)
    claims = decode_verified(token, keys)
    return checked_claims(claims, trusted["issuer"], trusted["audience"], platform.now())
