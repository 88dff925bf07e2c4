"""Tokens issued to a signed-in user: the access token and the ID token (docs/auth0-contract.md, "ID token
claims", "Token responses").

Access token: RS256 JWT; `aud` is the API, plus `{issuer}userinfo` when `openid` was asked for;
without an audience it is for `/userinfo` only. ID token: `aud` = client_id, `nonce` echoed
byte-exact, `auth_time` and `sid`, and the profile claims of the granted scopes (Auth0's
conformant behaviour: spa-js `getUser()` reads them from the ID token).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any, cast

from edgeauth import management_api
from edgeauth.encoding import b64url_encode
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import OAuthError
from edgeauth.jose import sign_jwt
from edgeauth.keys.keyset import load_keyset
from edgeauth.mfa.factors import MFA_ACR, asks_for_mfa
from edgeauth.oauth.access_token import issue_access_token
from edgeauth.oauth.apis import find_api
from edgeauth.oauth.authorize.request import OIDC_SCOPES, AuthorizationRequest
from edgeauth.oauth.grants.issued import Issued
from edgeauth.permissions import permissions_for
from edgeauth.snapshots import AUTHZ_DIALECTS, ResourceServer
from edgeauth.users.answers import Login, MfaPending, Redeemed

ID_TOKEN_LIFETIME = 36000  # Auth0's default: 10 hours
USERINFO_TOKEN_LIFETIME = 86400
PROFILE_CLAIMS = ("name", "nickname", "picture", "updated_at")
EMAIL_CLAIMS = ("email", "email_verified")


@dataclass(frozen=True)
class GrantedAccess:
    """What a user's access token carries for one request, worked out once per token."""

    scope: str
    api: ResourceServer | None = None
    # The `permissions` claim: RBAC with an `_authz` token dialect only.
    permissions: list[str] | None = None


async def granted_access(ctx: RequestContext, request: AuthorizationRequest, user_id: str) -> GrantedAccess:
    """OIDC scopes as requested, plus the requested scopes the API defines; with RBAC
    (`enforce_policies`) only those the user holds (Auth0: re-checked at every token, refresh too),
    and with `access_token_authz` every permission the user holds on the API, whatever was asked.

    Never a Management API scope: a signed-in user cannot grant themselves `delete:users`
    (Auth0 gives users only `*:current_user*` scopes there, which edgeauth does not serve)."""
    api = await find_api(ctx, request.audience) if request.audience else None
    api_scopes: set[str] = set()
    permissions: list[str] | None = None
    if api is not None and api.identifier != management_api.IDENTIFIER:
        api_scopes = set(api.scopes)
        if api.enforce_policies:
            held = await permissions_for(ctx.platform, ctx.tenant.id, user_id, api.identifier)
            api_scopes &= set(held)
            permissions = held if api.token_dialect in AUTHZ_DIALECTS else None
    scope = " ".join(s for s in dict.fromkeys(request.scopes) if s in OIDC_SCOPES or s in api_scopes)
    return GrantedAccess(scope, api, permissions)


def profile_claims(user: dict[str, Any], scopes: list[str]) -> dict[str, Any]:
    names = (PROFILE_CLAIMS if "profile" in scopes else ()) + (EMAIL_CLAIMS if "email" in scopes else ())
    return {name: user[name] for name in names if user.get(name) is not None}


def at_hash(access_token: str) -> str:
    """OpenID Connect Core §3.2.2.9: left half of SHA-256 of the access token, base64url."""
    return b64url_encode(hashlib.sha256(access_token.encode("ascii")).digest()[:16])


async def issue_access(
    ctx: RequestContext, request: AuthorizationRequest, user: dict[str, Any], access: GrantedAccess
) -> tuple[str, int]:
    userinfo = ctx.url("userinfo")
    lifetime = USERINFO_TOKEN_LIFETIME
    audience: str | list[str] = userinfo
    if request.audience:
        lifetime = access.api.token_lifetime if access.api else lifetime
        audience = [request.audience, userinfo] if "openid" in access.scope.split() else request.audience
    token = await issue_access_token(
        ctx,
        subject=user["user_id"],
        audience=audience,
        client_id=request.client_id,
        scope=access.scope,
        lifetime=lifetime,
        api=access.api,
        extra=None if access.permissions is None else {"permissions": access.permissions},
    )
    return token, lifetime


async def issue_id_token(
    ctx: RequestContext,
    request: AuthorizationRequest,
    user: dict[str, Any],
    *,
    scope: str,
    sid: str,
    auth_time: int,
    access_token: str | None = None,
    amr: list[str] | None = None,
) -> str:
    now = ctx.platform.now()
    claims: dict[str, Any] = {
        **profile_claims(user, scope.split()),
        "iss": ctx.issuer,
        "sub": user["user_id"],
        "aud": request.client_id,
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "auth_time": auth_time,
    }
    if sid:  # token endpoint grants (password, OTP) start no SSO session
        claims["sid"] = sid
    if request.nonce is not None:
        claims["nonce"] = request.nonce
    if access_token is not None:
        claims["at_hash"] = at_hash(access_token)
    if amr:  # OIDC Core §2: how the user authenticated; Auth0 puts `mfa` there after a second factor
        claims["amr"] = amr
        if "mfa" in amr and asks_for_mfa(request.acr_values):  # the policy the request asked for, met
            claims["acr"] = MFA_ACR
    keyset = await load_keyset(ctx.platform, ctx.tenant.id)
    return await sign_jwt(ctx.platform, keyset.current, claims)


def mfa_required(pending: MfaPending) -> OAuthError:
    """Auth0's answer when the login still needs its second factor: 403 `mfa_required` with the
    `mfa_token` to continue with (`/mfa/*`, the MFA grants) and the `mfa_requirements`."""
    extra = {"mfa_token": pending["mfa_token"], "mfa_requirements": pending["mfa_requirements"]}
    return OAuthError("mfa_required", "Multifactor authentication required", 403, extra=extra)


async def user_token_response(
    ctx: RequestContext, answer: Login | MfaPending | Redeemed, scope_request: str = ""
) -> Issued:
    """The token endpoint's answer for a user grant (code or refresh): access token, the ID token
    whenever `openid` was granted (spa-js verifies one on every grant), the rotated refresh token;
    `mfa_required` when the login still needs its second factor.

    `scope_request` narrows the originally granted scope (RFC 6749 §6)."""
    if "mfa_token" in answer:
        raise mfa_required(cast(MfaPending, answer))
    grant: Login | Redeemed = answer
    authz = AuthorizationRequest.from_json(grant["request"])
    access = await granted_access(ctx, authz, grant["user"]["user_id"])
    if scope_request:
        narrowed = " ".join(s for s in dict.fromkeys(scope_request.split()) if s in access.scope.split())
        access = replace(access, scope=narrowed)
    scope = access.scope
    access_token, lifetime = await issue_access(ctx, authz, grant["user"], access)
    response: dict[str, Any] = {
        "access_token": access_token,
        "expires_in": lifetime,
        "token_type": "Bearer",
        "scope": scope,
    }
    if "openid" in scope.split():
        response["id_token"] = await issue_id_token(
            ctx,
            authz,
            grant["user"],
            scope=scope,
            sid=grant["sid"],
            auth_time=grant["auth_time"],
            amr=grant.get("amr"),
        )
    if "refresh_token" in grant:
        response["refresh_token"] = grant["refresh_token"]
    if "recovery_code" in grant:  # Auth0: a recovery code used is replaced, and the new one shown once
        response["recovery_code"] = grant["recovery_code"]
    return Issued(response, grant["user"]["user_id"])
