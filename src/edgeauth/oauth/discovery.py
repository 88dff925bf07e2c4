"""`/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3) and `/.well-known/jwks.json`.

Paths are Auth0's; the issuer is the request host's, with the trailing slash (docs/auth0-contract.md,
"Issuer").
Only endpoints that exist are advertised; each issue that adds one adds it here.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cors import allow_public
from edgeauth.keys.keyset import jwks, load_keyset

DISCOVERY_CACHE = "public, max-age=3600"
# The next key is published a whole rotation period ahead, so caching an hour is safe.
JWKS_CACHE = "public, max-age=3600, stale-while-revalidate=600"


def openid_configuration(ctx: RequestContext) -> dict[str, Any]:
    return {
        "issuer": ctx.issuer,
        "authorization_endpoint": ctx.url("authorize"),
        "token_endpoint": ctx.url("oauth/token"),
        "userinfo_endpoint": ctx.url("userinfo"),
        "jwks_uri": ctx.url(".well-known/jwks.json"),
        "revocation_endpoint": ctx.url("oauth/revoke"),
        "end_session_endpoint": ctx.url("oidc/logout"),
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
        "response_types_supported": ["code", "token", "id_token", "token id_token"],
        "response_modes_supported": ["query", "fragment", "form_post", "web_message"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": [
            "aud",
            "auth_time",
            "email",
            "email_verified",
            "exp",
            "iat",
            "iss",
            "name",
            "nickname",
            "picture",
            "sid",
            "sub",
            "updated_at",
        ],
        "code_challenge_methods_supported": ["S256"],
        "request_uri_parameter_supported": False,
        "request_parameter_supported": False,
    }


async def discovery(request: Request) -> Response:
    body = openid_configuration(request_context(request))
    return allow_public(JSONResponse(body, headers={"Cache-Control": DISCOVERY_CACHE}))


async def jwks_document(request: Request) -> Response:
    ctx = request_context(request)
    keyset = await load_keyset(ctx.platform, ctx.tenant.id)
    return allow_public(JSONResponse(jwks(keyset), headers={"Cache-Control": JWKS_CACHE}))
