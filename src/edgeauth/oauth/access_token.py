"""JWT access tokens with Auth0's claims (docs/auth0-contract.md, "Tokens and keys"): RS256 with the
tenant's key, or HS256 with the API's own secret when the API says so (Auth0 `signing_alg`)."""

from __future__ import annotations

import secrets
from typing import Any

from edgeauth.http.context import RequestContext
from edgeauth.jose import sign_hs256, sign_jwt
from edgeauth.keys.keyset import load_keyset
from edgeauth.snapshots import RFC9068_DIALECTS, ResourceServer


async def issue_access_token(
    ctx: RequestContext,
    *,
    subject: str,
    audience: str | list[str],
    client_id: str,
    scope: str,
    lifetime: int,
    api: ResourceServer | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Signed with the tenant's current key; `kid` in the header names it in the JWKS. In the
    RFC 9068 profile the client is `client_id` (§2.2) and the type `at+jwt` (§2.1); in Auth0's
    own, `azp` and `JWT`."""
    rfc9068 = api is not None and api.token_dialect in RFC9068_DIALECTS
    now = ctx.platform.now()
    claims: dict[str, Any] = {
        "iss": ctx.issuer,
        "sub": subject,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(16),
        ("client_id" if rfc9068 else "azp"): client_id,
        **(extra or {}),
    }
    if scope:
        claims["scope"] = scope
    typ = "at+jwt" if rfc9068 else "JWT"
    if api is not None and api.signing_alg == "HS256":
        return sign_hs256(await ctx.platform.crypto.unseal(api.signing_secret), claims, typ)
    keyset = await load_keyset(ctx.platform, ctx.tenant.id)
    return await sign_jwt(ctx.platform, keyset.current, claims, typ=typ)
