"""Our own access tokens presented as Bearer tokens (RFC 6750), verified without `cryptography`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from edgeauth.http.context import RequestContext
from edgeauth.jose import decode_verified
from edgeauth.keys.keyset import load_keyset
from edgeauth.oauth.errors import OAuthError, challenge
from edgeauth.platform import Platform


def invalid_token(description: str) -> OAuthError:
    """401 with `WWW-Authenticate: Bearer error="invalid_token", error_description="…"`
    (RFC 6750 §3, §3.1)."""
    header = challenge("Bearer", error="invalid_token", error_description=description)
    return OAuthError("invalid_token", description, 401, {"WWW-Authenticate": header})


def missing_token() -> OAuthError:
    """RFC 6750 §3.1: a request without credentials gets a bare challenge, no error code."""
    return OAuthError("invalid_token", "Missing access token", 401, {"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request, params: dict[str, Any] | None = None) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if params and isinstance(params.get("access_token"), str):
        return params["access_token"]
    raise missing_token()


async def verify_access_token(ctx: RequestContext, token: str, audience: str) -> dict[str, Any]:
    """Claims of a live access token of this tenant for `audience`."""
    return await verify_tenant_token(ctx.platform, ctx.tenant.id, ctx.issuer, token, audience)


async def verify_tenant_token(
    platform: Platform, tenant_id: str, issuer: str, token: str, audience: str
) -> dict[str, Any]:
    """Claims of a live access token that tenant `tenant_id` issued as `issuer` for `audience`."""
    keyset = await load_keyset(platform, tenant_id)
    claims = decode_verified(token, [k.public_jwk() for k in keyset.published()])
    return checked_claims(claims, issuer, audience, platform.now())


def _numeric_date(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def checked_claims(claims: dict[str, Any] | None, issuer: str, audience: str, now: int) -> dict[str, Any]:
    """Signature-verified claims, once `iss`, `aud`, `exp` and any `nbf` hold (RFC 7519 §4.1)."""
    if claims is None or claims.get("iss") != issuer:
        raise invalid_token("Invalid access token")
    aud = claims.get("aud")
    if audience not in (aud if isinstance(aud, list) else [aud]):
        raise invalid_token("The access token is not for this resource")
    if not _numeric_date(claims.get("exp")) or claims["exp"] <= now:
        raise invalid_token("The access token has expired")
    if "nbf" in claims and not (_numeric_date(claims["nbf"]) and claims["nbf"] <= now):
        raise invalid_token("The access token is not valid yet")
    return claims
