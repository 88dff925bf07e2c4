"""Our own access tokens presented as Bearer tokens (RFC 6750): the token and the challenges."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from edgeauth.http.context import RequestContext
from edgeauth.http.errors import OAuthError, challenge
from edgeauth.tokens import InvalidToken, verify_tenant_token


def invalid_token(description: str) -> OAuthError:
    """401 with `WWW-Authenticate: Bearer error="invalid_token", error_description="…"`
    (RFC 6750 §3, §3.1)."""
    header = challenge("Bearer", error="invalid_token", error_description=description)
    return OAuthError("invalid_token", description, 401, {"WWW-Authenticate": header})


def insufficient_scope(scope: str) -> OAuthError:
    """403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750 §3.1)."""
    description = f"Insufficient scope, expected: {scope}"
    header = challenge("Bearer", error="insufficient_scope", error_description=description, scope=scope)
    return OAuthError("insufficient_scope", description, 403, {"WWW-Authenticate": header})


def missing_token() -> OAuthError:
    """RFC 6750 §3.1: a request without credentials gets a bare challenge, no error code."""
    return OAuthError("invalid_token", "Missing access token", 401, {"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request, params: dict[str, Any] | None = None) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    param = params.get("access_token") if params else None
    if isinstance(param, str):
        return param
    raise missing_token()


async def verify_access_token(ctx: RequestContext, token: str, audience: str) -> dict[str, Any]:
    """Claims of a live access token of this tenant for `audience`; `invalid_token` otherwise."""
    try:
        return await verify_tenant_token(ctx.platform, ctx.tenant.id, ctx.issuer, token, audience)
    except InvalidToken as exc:
        raise invalid_token(str(exc)) from exc
