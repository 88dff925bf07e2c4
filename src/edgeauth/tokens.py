"""Verifying access and ID tokens of this deployment (and of trusted issuers): RS256 signature,
`iss`, `aud`, `exp`, `nbf` (RFC 7519 §4.1). Plain Python, no `cryptography` (edgeauth.jose).

A refusal is `InvalidToken`, mapped at each edge: `invalid_token` with a `WWW-Authenticate`
challenge on the Authentication API, 401 on the Management API, 400 for `link_with`.
"""

from __future__ import annotations

from typing import Any

from edgeauth.jose import decode_verified
from edgeauth.keys.keyset import verification_keys
from edgeauth.platform import Platform


class InvalidToken(ValueError):
    """The token is not a live one for this issuer and audience; the message says why."""


async def verify_tenant_token(
    platform: Platform, tenant_id: str, issuer: str, token: str, audience: str
) -> dict[str, Any]:
    """Claims of a live token that tenant `tenant_id` issued as `issuer` for `audience`."""
    claims = decode_verified(token, await verification_keys(platform, tenant_id))
    return checked_claims(claims, issuer, audience, platform.now())


def _numeric_date(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def checked_claims(claims: dict[str, Any] | None, issuer: str, audience: str, now: int) -> dict[str, Any]:
    """Signature-verified claims, once `iss`, `aud`, `exp` and any `nbf` hold (RFC 7519 §4.1)."""
    if claims is None or claims.get("iss") != issuer:
        raise InvalidToken("Invalid access token")
    aud = claims.get("aud")
    if audience not in (aud if isinstance(aud, list) else [aud]):
        raise InvalidToken("The access token is not for this resource")
    if not _numeric_date(claims.get("exp")) or claims["exp"] <= now:
        raise InvalidToken("The access token has expired")
    if "nbf" in claims and not (_numeric_date(claims["nbf"]) and claims["nbf"] <= now):
        raise InvalidToken("The access token is not valid yet")
    return claims


def token_client(claims: dict[str, Any]) -> str:
    """The application an access token was issued to: `azp` in Auth0's profile, `client_id` in
    RFC 9068's (§2.2); '' when it names none."""
    return str(claims.get("azp") or claims.get("client_id") or "")
