"""`GET|POST /login/callback`: the upstream provider's answer (RFC 6749 §4.1.2, OpenID Connect Core
§3.1.2.5). The state must be our sealed login transaction for this browser; then the code is
exchanged, the ID token checked, the identity signed in (and linked by verified email) in its user's
Durable Object, and the original authorization finished. Upstream tokens are not kept."""

from __future__ import annotations

from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.connections.options import connection_options
from edgeauth.http.body import read_params
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cookies import binding_cookie
from edgeauth.http.errors import OAuthError
from edgeauth.login.connections import enabled_connection
from edgeauth.login.events import record_for_user, record_user_event
from edgeauth.login.pages import browser_finish, signed_in
from edgeauth.login.rendering import transaction_error
from edgeauth.login.second_factor import start_second_factor
from edgeauth.login.transaction import TransactionError, open_transaction_body, seal_transaction
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.oauth.authorize.respond import error_response
from edgeauth.upstream.exchange import client_secret, exchange_code, verified_id_token
from edgeauth.upstream.profile import federated_identity
from edgeauth.upstream.provider import UpstreamError, provider_for
from edgeauth.upstream.start import CALLBACK_PATH
from edgeauth.users.answers import Login, MfaPending, Refused, in_browser, second_factor_due


async def callback_params(request: Request) -> dict[str, Any]:
    """The query (GET) or the form (`response_mode=form_post`)."""
    if request.method == "POST":
        return await read_params(request)
    return dict(request.query_params)


async def federated_user(
    ctx: RequestContext,
    request: Request,
    authz: AuthorizationRequest,
    upstream: dict[str, Any],
    params: dict[str, Any],
) -> tuple[Login | MfaPending, str]:
    """The provider's verified claims → our user's grant, or its mfa_token when a second factor is
    due; `UpstreamError` on any refusal."""
    connection = await enabled_connection(ctx, authz.client_id, upstream["connection"])
    options = await connection_options(ctx.platform, ctx.tenant.id, upstream["connection"])
    if connection is None or options is None:
        raise UpstreamError("The connection is not enabled for this application.")
    provider = await provider_for(ctx.platform, ctx.tenant, connection)
    code = params.get("code")
    if not isinstance(code, str) or not code:
        raise UpstreamError("The provider sent no code.")
    secret = await client_secret(ctx.platform, provider, options)
    tokens = await exchange_code(
        ctx.platform, provider, secret, code, upstream["verifier"], ctx.url(CALLBACK_PATH)
    )
    claims = None
    if provider.strategy.openid:
        claims = await verified_id_token(ctx.platform, provider, tokens["id_token"], upstream["nonce"])
    identity, profile = await federated_identity(ctx.platform, provider, tokens, claims, params)
    user = ctx.users.by_identity(connection.name, identity["user_id"])
    finish = browser_finish(ctx, request, authz)
    answer = await user.login_with_identity(identity, profile, finish, ctx.ip)
    if pending := second_factor_due(answer):
        return pending, connection.name
    grant = in_browser(answer)
    if isinstance(grant, Refused):
        raise UpstreamError(grant.message)
    return grant, connection.name


async def login_callback(request: Request) -> Response:
    ctx = request_context(request)
    try:
        params = await callback_params(request)
        body = await open_transaction_body(ctx, str(params.get("state", "")), binding_cookie(request))
        upstream = body["upstream"]
    except (OAuthError, TransactionError, KeyError):
        return await transaction_error(ctx, request)
    authz = AuthorizationRequest.from_json(body["request"])
    connection = upstream["connection"]
    try:
        if params.get("error"):
            raise UpstreamError(str(params.get("error_description") or params["error"]))
        grant, connection = await federated_user(ctx, request, authz, upstream, params)
    except UpstreamError as exc:
        await record_user_event(
            ctx,
            request,
            audit.FAILED_LOGIN,
            exc.description,
            client=None,
            client_id=authz.client_id,
            connection=connection,
        )
        return error_response(authz.reply, "access_denied", exc.description)
    if "mfa_token" in grant:  # the second factor, on the hosted page, in a login transaction of its own
        state = await seal_transaction(ctx, authz, binding_cookie(request))
        return await start_second_factor(ctx, request, authz, state, cast(MfaPending, grant))
    await record_for_user(
        ctx, request, audit.SUCCESS_LOGIN, grant["user"], client_id=authz.client_id, connection=connection
    )
    return await signed_in(ctx, authz, grant)
