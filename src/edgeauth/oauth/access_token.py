"""RS256 JWT access tokens with Auth0's claims (docs/auth0-contract.md, "Tokens and keys")."""

from __future__ import annotations

import secrets
from typing import Any

from edgeauth.http.context import RequestContext
from edgeauth.jose import sign_jwt
from edgeauth.keys.keyset import load_keyset


async def issue_access_token(
    ctx: RequestContext,
    *,
    subject: str,
    audience: str | list[str],
    client_id: str,
    scope: str,
    lifetime: int,
    extra: dict[str, Any] | None = None,
) -> str:
    """Signed with the tenant's current key; `kid` in the header names it in the JWKS."""
    now = ctx.platform.now()
    claims: dict[str, Any] = {
        "iss": ctx.issuer,
        "sub": subject,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(16),
        "azp": client_id,
        **(extra or {}),
    }
    if scope:
        claims["scope"] = scope
    keyset = await load_keyset(ctx.platform, ctx.tenant.id)
    return await sign_jwt(ctx.platform, keyset.current, claims)
