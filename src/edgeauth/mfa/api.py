"""Auth0's MFA API for apps that log users in themselves (the password grants, embedded login):
`GET /mfa/authenticators`, `POST /mfa/associate`, `POST /mfa/challenge`, each with the mfa_token of
a login that answered `mfa_required`; the codes then go to the token endpoint's MFA grants
(`oauth/grants/mfa.py`). Shapes as auth0-spa-js's MFA client sends and reads them (docs/mfa.md).
Listing and removing authenticators outside a login take an access token for the MFA API
(`edgeauth.mfa.audience`), whose login passed the user's second factor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from edgeauth.http.body import read_params, string_param
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cors import allow_listed_origin
from edgeauth.http.errors import NO_STORE, OAuthError, invalid_grant, invalid_request
from edgeauth.mfa import audience as mfa_api
from edgeauth.mfa import log_events
from edgeauth.mfa.email_code import send_mfa_code
from edgeauth.oauth.bearer import bearer_token, insufficient_scope, invalid_token, verify_access_token
from edgeauth.oauth.client_auth import request_client
from edgeauth.oauth.grants.rules import required_param
from edgeauth.snapshots import Client, load_client
from edgeauth.tokens import token_client
from edgeauth.users.answers import MESSAGES, Refusal, Refused
from edgeauth.users.objects import TokenUser, UserById

BadToken = Callable[[str], OAuthError]


def token_user(ctx: RequestContext, mfa_token: str, bad: BadToken = invalid_token) -> tuple[TokenUser, str]:
    found = ctx.users.by_token(mfa_token)
    if found is None:
        raise bad(MESSAGES[Refusal.INVALID_MFA_TOKEN])
    return found


def refusal_error(refusal: Refused, bad: BadToken = invalid_token) -> OAuthError:
    """An unknown, expired or spent mfa_token: as a bearer token, `invalid_token` (RFC 6750 §3.1);
    in a body, Auth0's `invalid_grant`. A user who already has a factor must pass it first
    (Auth0: 403 "User is already enrolled.")."""
    if refusal.code == Refusal.INVALID_MFA_TOKEN:
        return bad(refusal.message)
    if refusal.code == Refusal.ALREADY_ENROLLED:
        return OAuthError("access_denied", refusal.message, 403)
    if refusal.code == Refusal.MFA_LOCKED:
        return OAuthError("too_many_attempts", refusal.message, 429)
    return OAuthError("unsupported_challenge_type", "The user has no authenticator for this challenge.", 400)


def check_authenticator_types(ctx: RequestContext, params: dict[str, Any]) -> None:
    """`authenticator_types` must ask for a factor the tenant enabled and edgeauth can enroll (`otp`)."""
    types = params.get("authenticator_types")
    if isinstance(types, str):  # a form body: space-separated, as OAuth lists are
        types = types.split()
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise invalid_request("authenticator_types must be a non-empty array of strings.")
    if types != ["otp"] or "otp" not in ctx.tenant.mfa_factors:
        raise invalid_request(
            f"Unsupported authenticator types: {', '.join(types)}; this tenant enrolls otp."
        )


async def answered(
    ctx: RequestContext, request: Request, body: Any, client_id: str, status: int = 200
) -> Response:
    """The answer, readable by the token's application's web origins (CORS)."""
    client = await load_client(ctx.platform.config, ctx.tenant.id, client_id)
    response = (
        Response(status_code=status, headers=NO_STORE)
        if body is None
        else JSONResponse(body, status_code=status, headers=NO_STORE)
    )
    return allow_listed_origin(request, response, client.web_origins if client else [])


def is_access_token(token: str) -> bool:
    """A JWT (three dot-separated parts) rather than an opaque `{object}.{secret}` mfa_token."""
    return token.count(".") == 2


class MfaApiCaller(NamedTuple):
    user: UserById
    user_id: str
    email: str
    client_id: str  # the application the token was issued to


async def mfa_api_user(ctx: RequestContext, token: str, scope: str) -> MfaApiCaller:
    """The user of a live MFA API access token of this tenant that carries `scope`, and the
    application it was issued to; `invalid_token` or `insufficient_scope` (RFC 6750 §3.1) else."""
    claims = await verify_access_token(ctx, token, mfa_api.audience_for(ctx.issuer))
    if scope not in str(claims.get("scope", "")).split():
        raise insufficient_scope(scope)
    found = await ctx.users.find(str(claims.get("sub", "")))
    who = found[1]["user"] if found else None
    if found is None or who is None:
        raise invalid_token("The user no longer exists")
    if who.get("blocked"):
        raise invalid_token("The user is blocked")
    return MfaApiCaller(found[0], who["user_id"], who.get("email") or "", token_client(claims))


async def list_authenticators(request: Request) -> Response:
    """Auth0 `GET /mfa/authenticators`: Bearer mfa_token, or an MFA API token with
    `read:authenticators`."""
    ctx = request_context(request)
    try:
        token = bearer_token(request)
        if is_access_token(token):
            caller = await mfa_api_user(ctx, token, mfa_api.READ)
            return await answered(ctx, request, await caller.user.listed_authenticators(), caller.client_id)
        holder, secret = token_user(ctx, token)
        result = await holder.mfa_authenticators(secret)
        if isinstance(result, Refused):
            raise refusal_error(result)
    except OAuthError as exc:
        return exc.response()
    return await answered(ctx, request, result["authenticators"], result["client_id"])


async def remove_authenticator(request: Request) -> Response:
    """Auth0 `DELETE /mfa/authenticators/{id}` (an MFA API token with `remove:authenticators`; an
    mfa_token, which the password alone gives, is not enough): 204, or 404 for an id the user's
    listing does not show."""
    ctx = request_context(request)
    try:
        caller = await mfa_api_user(ctx, bearer_token(request), mfa_api.REMOVE)
        authenticator_id = request.path_params["authenticator_id"]
        if not await caller.user.remove_authenticator(authenticator_id):
            raise OAuthError("not_found", "Authenticator not found", 404)
    except OAuthError as exc:
        return exc.response()
    await log_events.record(
        ctx, request, log_events.UNENROLL, log_events.factor_of(authenticator_id),
        user_id=caller.user_id, client_id=caller.client_id, email=caller.email,
    )  # fmt: skip
    return await answered(ctx, request, None, caller.client_id, status=204)


async def associate(request: Request) -> Response:
    """Auth0 `POST /mfa/associate` (Bearer mfa_token, `authenticator_types: ["otp"]`): the secret
    and its `otpauth://` URI, and the recovery code with a first enrolment when that factor is on."""
    ctx = request_context(request)
    try:
        mfa_token = bearer_token(request)
        check_authenticator_types(ctx, await read_params(request))
        user, secret = token_user(ctx, mfa_token)
        with_recovery = "recovery-code" in ctx.tenant.mfa_factors
        result = await user.mfa_associate(secret, ctx.tenant.friendly_name, with_recovery)
        if isinstance(result, Refused):
            raise refusal_error(result)
    except OAuthError as exc:
        return exc.response()
    body = {name: value for name, value in result.items() if name != "client_id"}
    return await answered(ctx, request, body, result["client_id"])


async def challenge(request: Request) -> Response:
    """Auth0 `POST /mfa/challenge` (`mfa_token`, `client_id`, `challenge_type`): for `otp` there is
    nothing to send, the answer tells the app to ask for the code; for `oob` (the email factor, or
    an `authenticator_id` naming it) a code goes to the user's verified email and the answer names
    it (`oob_code`, `binding_method: prompt`) for the `mfa-oob` grant."""
    ctx = request_context(request)
    try:
        params = await read_params(request)
        client = await request_client(ctx, None, params)
        types = (string_param(params, "challenge_type") or "otp").split()
        authenticator = string_param(params, "authenticator_id") or ""
        if not {"otp", "oob"} & set(types):
            raise OAuthError("unsupported_challenge_type", "Only otp and oob challenges are offered.", 400)
        user, secret = token_user(ctx, required_param(params, "mfa_token"), invalid_grant)
        if "oob" in types and ("otp" not in types or authenticator.startswith("email|")):
            result = await email_challenge(ctx, request, user, secret, client)
        else:
            result = await user.mfa_challenge(secret, client.client_id)
        if isinstance(result, Refused):
            raise refusal_error(result, invalid_grant)
    except OAuthError as exc:
        return exc.response()
    return await answered(ctx, request, result, client.client_id)


async def email_challenge(
    ctx: RequestContext, request: Request, user: TokenUser, secret: str, client: Client
) -> dict[str, str] | Refused:
    """The email factor's code sent (the passwordless code's email), the challenge's answer."""
    sent = await user.mfa_email_challenge(secret, client.client_id, "tokens")
    if isinstance(sent, Refused):
        return sent
    await send_mfa_code(ctx, request, sent, client=client)
    return {"challenge_type": "oob", "oob_code": sent["oob_code"], "binding_method": "prompt"}
