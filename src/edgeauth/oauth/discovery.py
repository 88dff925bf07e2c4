"""`/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3) and `/.well-known/jwks.json`.

Paths are Auth0's; the issuer is the request host's, with the trailing slash (docs/auth0-contract.md,
"Issuer").
Only endpoints that exist are advertised; each issue that adds one adds it here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.http.context import request_context
from edgeauth.http.documents import Document, document_response
from edgeauth.keys.keyset import jwks, load_keyset, parse_keyset
from edgeauth.snapshots import keyset_key

DISCOVERY_CACHE = "public, max-age=3600"
# The next key is published a whole rotation period ahead, so caching an hour is safe.
JWKS_CACHE = "public, max-age=3600, stale-while-revalidate=600"


def openid_configuration(issuer: str) -> dict[str, Any]:
    """The metadata of `issuer` (it ends with `/`): it depends on nothing else."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}authorize",
        "token_endpoint": f"{issuer}oauth/token",
        "userinfo_endpoint": f"{issuer}userinfo",
        "jwks_uri": f"{issuer}.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}oauth/revoke",
        "end_session_endpoint": f"{issuer}oidc/logout",
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


@lru_cache(maxsize=256)
def discovery_document(issuer: str) -> Document:
    """Built once per issuer and isolate."""
    return Document.of(openid_configuration(issuer), DISCOVERY_CACHE)


def published_jwks(raw: str | None) -> Document | None:
    """The JWKS of a stored key set, built once per key-set version (a snapshot parser)."""
    keyset = parse_keyset(raw)
    return None if keyset is None else Document.of(jwks(keyset), JWKS_CACHE)


async def discovery(request: Request) -> Response:
    document = discovery_document(request_context(request).issuer)
    return document_response(request, document)


async def jwks_document(request: Request) -> Response:
    ctx = request_context(request)
    document = await ctx.platform.config.snapshot(keyset_key(ctx.tenant.id), published_jwks)
    if document is None:  # the tenant's first need of keys creates them
        document = Document.of(jwks(await load_keyset(ctx.platform, ctx.tenant.id)), JWKS_CACHE)
    return document_response(request, document)
