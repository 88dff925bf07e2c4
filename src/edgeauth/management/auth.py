"""Who may call the Management API: Bearer JWTs with the endpoint's scope.

Accepted (docs/decisions.md, "Management API callers"):
* the tenant's own tokens for `{issuer}api/v2/`, with the scopes they carry;
* tokens of an issuer the tenant trusts (`trusted_issuers`), verified with its JWKS, for the
  audience configured with it, with the scopes of their `scope` or `permissions` claim;
* tokens of another tenant of this deployment for that tenant's `{iss}api/v2/`, only from an admin.
An admin of the tenant (`user_tenants`: the token's `iss` and `sub`) has every Management scope.

Auth0: 401 `Missing authentication` / `Invalid token`; 403 `Insufficient scope, expected any of: …`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from edgeauth import management_api
from edgeauth.admin import tenant_admins, trusted_issuers
from edgeauth.admin.errors import AdminError
from edgeauth.http.context import RequestContext, request_context
from edgeauth.jose import unverified_json
from edgeauth.management.rate_limit import count_caller
from edgeauth.tokens import InvalidToken, verify_tenant_token

bearer = HTTPBearer(auto_error=False, description="An access token for `{issuer}api/v2/`.")


@dataclass(frozen=True)
class Caller:
    """An authenticated caller of this tenant's Management API."""

    ctx: RequestContext
    subject: str
    scopes: frozenset[str]
    issuer: str = ""

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
        caller = await identify(ctx, credentials.credentials, security.scopes)
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from exc
    await count_caller(request.scope, ctx, caller.issuer, caller.subject)
    check_scope(caller, security.scopes)
    return caller


def token_scopes(claims: dict[str, Any]) -> frozenset[str]:
    """Scopes from `scope` (RFC 8693 §4.2, space-separated) and Auth0 RBAC's `permissions` array."""
    scope, permissions = claims.get("scope"), claims.get("permissions")
    granted = scope.split() if isinstance(scope, str) else []
    granted += [p for p in permissions if isinstance(p, str)] if isinstance(permissions, list) else []
    return frozenset(granted)


async def verified_claims(ctx: RequestContext, token: str, issuer: str) -> tuple[dict[str, Any], bool]:
    """The token's claims, and whether its own scopes count here (not so for another tenant's)."""
    if issuer == ctx.issuer:
        audience = management_api.audience_for(ctx.issuer)
        return await verify_tenant_token(ctx.platform, ctx.tenant.id, ctx.issuer, token, audience), True
    trusted = await trusted_issuers.find_trusted_issuer(ctx.platform, ctx.tenant.id, issuer)
    if trusted is not None:
        return await trusted_issuers.verify_trusted_token(ctx.platform, ctx.tenant, trusted, token), True
    return await tenant_admins.verify_deployment_token(ctx.platform, token, issuer), False


async def identify(ctx: RequestContext, token: str, expected: list[str]) -> Caller:
    """The caller a token names, with the scopes it holds on this tenant (an admin's are looked
    up only when the token's own scopes do not already allow the endpoint)."""
    issuer = unverified_json(token, 1).get("iss")
    if not isinstance(issuer, str):
        raise unauthorized("Invalid token")
    claims, own_scopes = await verified_claims(ctx, token, issuer)
    subject = str(claims.get("sub", ""))
    caller = Caller(ctx, subject, token_scopes(claims) if own_scopes else frozenset(), issuer)
    if own_scopes and has_scope(caller, expected):
        return caller
    if subject and await tenant_admins.is_admin(ctx.platform, ctx.tenant.id, issuer, subject):
        return replace(caller, scopes=frozenset(management_api.SCOPES))
    if not own_scopes:
        raise unauthorized("Invalid token")  # another tenant's token, not from one of our admins
    return caller


def has_scope(caller: Caller, expected: list[str]) -> bool:
    """Any one of the endpoint's scopes is enough (Auth0)."""
    return not expected or bool(caller.scopes.intersection(expected))


def check_scope(caller: Caller, expected: list[str]) -> None:
    if not has_scope(caller, expected):
        raise AdminError(
            403, f"Insufficient scope, expected any of: {','.join(expected)}", "insufficient_scope"
        )


def allowed(*scopes: str) -> Any:
    """For `caller: Annotated[Caller, allowed("read:users")]`: authenticated with one of `scopes`."""
    return Security(authenticate, scopes=list(scopes))
