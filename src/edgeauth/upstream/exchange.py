"""The upstream code exchange (RFC 6749 §4.1.3, client_secret_post, PKCE), Apple's client secret
(an ES256 JWT from the `.p8` key), and the ID token's validation (OpenID Connect Core §3.1.3.7: RS256
signature by the provider's JWKS, `iss`, `aud`, `exp`, `nonce`)."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlencode

from edgeauth.encoding import b64url_encode
from edgeauth.jose import decode_verified, json_segment, signing_input, unverified_json
from edgeauth.jwks_cache import jwks_keys
from edgeauth.platform import Platform
from edgeauth.upstream.provider import Provider, UpstreamError

CLOCK_SKEW_SECONDS = 60

log = logging.getLogger(__name__)


async def exchange_code(
    platform: Platform, provider: Provider, client_secret: str, code: str, verifier: str, redirect_uri: str
) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": provider.client_id,
        "client_secret": client_secret,
        "code_verifier": verifier,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    try:
        response = await platform.http.post(
            provider.token_endpoint,
            urlencode(form).encode(),
            headers,
            allow_loopback=provider.tenant.dev_mode,
        )
        tokens = json.loads(response.body)
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("token endpoint %s failed: %s", provider.token_endpoint, exc)
        raise UpstreamError("The provider's token endpoint could not be reached.") from exc
    wanted = "id_token" if provider.strategy.openid else "access_token"
    if response.status != 200 or not isinstance(tokens, dict) or not isinstance(tokens.get(wanted), str):
        error = tokens.get("error", response.status) if isinstance(tokens, dict) else response.status
        raise UpstreamError(f"The provider refused the code: {error}")
    return tokens


# An ID token from a code just exchanged was issued moments ago (the code lives minutes).
MAX_ID_TOKEN_AGE = 600
APPLE_AUDIENCE = "https://appleid.apple.com"
APPLE_SECRET_LIFETIME = 300


async def client_secret(platform: Platform, provider: Provider, secrets: dict[str, Any]) -> str:
    """`client_secret`; for Apple, a short-lived ES256 JWT signed with the `.p8` key (`app_secret`),
    `iss` = `team_id`, `sub` = the Services ID, header `kid` = `kid` (Sign in with Apple REST API)."""
    if provider.strategy.provider != "apple":
        return str(secrets.get("client_secret") or "")
    header = {"alg": "ES256", "kid": str(provider.options.get("kid", ""))}
    now = platform.now()
    claims = {
        "iss": str(provider.options.get("team_id", "")),
        "iat": now,
        "exp": now + APPLE_SECRET_LIFETIME,
        "aud": APPLE_AUDIENCE,
        "sub": provider.client_id,
    }
    to_sign = signing_input(json_segment(header), claims)
    try:
        signature = await platform.crypto.sign_es256(str(secrets.get("app_secret", "")), to_sign.encode())
    except ValueError as exc:
        raise UpstreamError("The connection's app_secret is not an ES256 (.p8) key.") from exc
    return f"{to_sign}.{b64url_encode(signature)}"


def check_claims(claims: dict[str, Any], provider: Provider, nonce: str, now: int) -> dict[str, Any]:
    """OpenID Connect Core §3.1.3.7: `iss` exact; our client in `aud`, and as `azp` when `aud` has
    other values; not expired; issued (`iat`) not in the future nor too long ago; our `nonce`
    (compared in constant time)."""
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    exp, iat = claims.get("exp"), claims.get("iat")
    issuer = provider.issuer.replace("{tenantid}", str(claims.get("tid", "")))  # Microsoft's template
    if claims.get("iss") != issuer:
        raise UpstreamError("The provider's ID token has another issuer.")
    if provider.client_id not in audiences:
        raise UpstreamError("The provider's ID token is for another client.")
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise UpstreamError("The provider's ID token was issued to another party (azp).")
    if not isinstance(exp, int | float) or exp + CLOCK_SKEW_SECONDS < now:
        raise UpstreamError("The provider's ID token has expired.")
    if not isinstance(iat, int | float) or not now - MAX_ID_TOKEN_AGE <= iat <= now + CLOCK_SKEW_SECONDS:
        raise UpstreamError("The provider's ID token was not issued just now (iat).")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise UpstreamError("The provider's ID token has another nonce.")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise UpstreamError("The provider's ID token has no subject.")
    return claims


async def verified_id_token(
    platform: Platform, provider: Provider, id_token: str, nonce: str
) -> dict[str, Any]:
    kid = unverified_json(id_token, 0).get("kid")
    keys = await jwks_keys(platform, provider.tenant, provider.jwks_uri, kid if isinstance(kid, str) else "")
    claims = decode_verified(id_token, keys)
    if claims is None:
        raise UpstreamError("The provider's ID token signature is invalid.")
    return check_claims(claims, provider, nonce, platform.now())
