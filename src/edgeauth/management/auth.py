"""Who may call the Management API: Bearer JWTs for `{issuer}api/v2/` with the endpoint's scope.

Auth0: 401 `Missing authentication` / `Invalid token`; 403 `Insufficient scope, expected any of: …`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from edgeauth.admin import management_api
from edgeauth.admin.errors import AdminError
from edgeauth.http.context import RequestContext, request_context
from edgeauth.oauth.bearer import verify_access_token
from edgeauth.oauth.errors import OAuthError

bearer = HTTPBearer(auto_error=False, description="An access token for `{issuer}api/v2/`.")


@dataclass(frozen=True)
class Caller:
    """An authenticated caller of this tenant's Management API."""

    ctx: RequestContext
    subject: str
    scopes: frozenset[str]

    @property
    def tenant_id(self) -> str:
        return self.ctx.tenant.id


def unauthorized(message: str) -> AdminError:
    return AdminError(401, message, "invalid_token", {"WWW-Authenticate": 'Bearer realm="api/v2"'})


async def authenticate(
    security: SecurityScopes,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """Verify the token, then check it carries one of the endpoint's scopes."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Missing authentication")
    ctx = request_context(request)
    try:
        claims = await verify_access_token(
            ctx, credentials.credentials, management_api.audience_for(ctx.issuer)
        )
    except OAuthError as exc:
        raise unauthorized(exc.description) from exc
    scope = claims.get("scope")
    caller = Caller(
        ctx, str(claims.get("sub", "")), frozenset(scope.split() if isinstance(scope, str) else ())
    )
    check_scope(caller, security.scopes)
    return caller


def check_scope(caller: Caller, expected: list[str]) -> None:
    """Any one of the endpoint's scopes is enough (Auth0)."""
    if expected and not caller.scopes.intersection(expected):
        raise AdminError(
            403, f"Insufficient scope, expected any of: {','.join(expected)}", "insufficient_scope"
        )


def allowed(*scopes: str) -> Any:
    """For `caller: Annotated[Caller, allowed("read:users")]`: authenticated with one of `scopes`."""
    return Security(authenticate, scopes=list(scopes))
