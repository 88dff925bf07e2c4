"""Rules shared by the grants of the token endpoint, one small function each."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import (
    OAuthError,
    access_denied,
    invalid_grant,
    invalid_request,
    unauthorized_client,
)
from edgeauth.mfa import audience as mfa_api
from edgeauth.oauth.apis import find_api
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.snapshots import Client
from edgeauth.users.answers import Refusal, Refused
from edgeauth.users.objects import TokenUser


def check_grant_enabled(client: Client, grant_type: str) -> None:
    """The application's `grant_types` must list the grant (Auth0, 403 `unauthorized_client`)."""
    if grant_type not in client.grant_types:
        raise unauthorized_client(grant_type)


def required_param(params: dict[str, Any], name: str) -> str:
    value = string_param(params, name)
    if not value:
        raise invalid_request(f"Missing required parameter: {name}")
    return value


def token_object(ctx: RequestContext, token: str, invalid: str) -> tuple[TokenUser, str]:
    """The user object an opaque code or refresh token names, and its secret; else `invalid_grant`."""
    found = ctx.users.by_token(token)
    if found is None:
        raise invalid_grant(invalid)
    return found


async def direct_request(ctx: RequestContext, client: Client, params: dict[str, Any]) -> AuthorizationRequest:
    """What a user grant of the token endpoint asks for (password, OTP): `scope` (default `openid`)
    and `audience` (default: the tenant's), with no redirect."""
    audience = string_param(params, "audience") or ctx.tenant.default_audience
    if audience and await find_api(ctx, audience) is None:
        raise access_denied(f"Service not found: {audience}")
    scope = string_param(params, "scope") or "openid"
    for_mfa = mfa_api.names_mfa_api(ctx.issuer, audience)
    return AuthorizationRequest(
        client.client_id, "", "token", scope=scope, audience=audience, mfa_api=for_mfa
    )


def login_refusal(refusal: Refused) -> OAuthError:
    """A credential refused (password, OTP, second factor), as Auth0's token endpoint words it: a
    blocked user is 401 `unauthorized`, a locked-out one (or factor) 429 `too_many_attempts`."""
    if refusal.code == Refusal.BLOCKED:
        return OAuthError("unauthorized", refusal.message, 401)
    if refusal.code in (Refusal.TOO_MANY_ATTEMPTS, Refusal.MFA_LOCKED):
        return OAuthError("too_many_attempts", refusal.message, 429)
    return grant_refusal(refusal)


def grant_refusal(refusal: Refused) -> OAuthError:
    """A code or refresh token refused: a scope wider than the grant's is 403 `invalid_scope`,
    anything else (a blocked user too) `invalid_grant` in the object's words (Auth0)."""
    if refusal.code == Refusal.SCOPE_EXCEEDED:
        return OAuthError("invalid_scope", refusal.message, 403)
    return invalid_grant(refusal.message)
