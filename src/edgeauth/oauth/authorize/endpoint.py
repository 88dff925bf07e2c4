"""`GET /authorize`: validate, then SSO with the session cookie or start a login transaction."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from edgeauth.connections import UPSTREAM_STRATEGIES
from edgeauth.cross_origin.verification import login_with_ticket
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cookies import session_token, set_transaction_binding
from edgeauth.login.connections import enabled_connection
from edgeauth.login.rendering import error_page
from edgeauth.login.transaction import browser_binding, seal_transaction
from edgeauth.oauth.authorize.complete import code_request, complete_authorization
from edgeauth.oauth.authorize.request import (
    AuthorizationRequest,
    PageError,
    RedirectError,
    parse_authorization_request,
)
from edgeauth.oauth.authorize.respond import error_response
from edgeauth.upstream.start import start_upstream
from edgeauth.users.answers import Login, Refusal, Refused, refused


async def sso_grant(ctx: RequestContext, request: Request, authz: AuthorizationRequest) -> Login | Refused:
    """Ask the session's user object for a grant (OIDC Core §3.1.2.3: SSO unless `max_age` or
    `prompt` asks for a fresh login); a refusal without a live session."""
    found = ctx.users.by_token(session_token(request))
    if found is None:
        return refused(Refusal.LOGIN_REQUIRED)
    user, secret = found
    lifetimes = ctx.tenant.session_lifetimes
    return await user.authorize_with_session(secret, code_request(authz), authz.max_age, lifetimes)


async def start_login(ctx: RequestContext, request: Request, authz: AuthorizationRequest) -> Response:
    """Redirect to the hosted page with the sealed transaction, bound to this browser; with
    `connection=` naming an upstream connection, straight to its provider (Auth0)."""
    if authz.connection:
        connection = await enabled_connection(ctx, authz.client_id, authz.connection)
        if connection is None:
            return error_response(
                authz.reply, "invalid_request", "The connection is not enabled for the client."
            )
        if connection.strategy in UPSTREAM_STRATEGIES:
            return await start_upstream(ctx, request, authz, connection)
    binding = browser_binding(request)
    state = await seal_transaction(ctx, authz, binding)
    page = "/u/signup" if authz.screen_hint == "signup" else "/u/login"
    response = RedirectResponse(f"{page}?state={quote(state)}", 302, headers={"Cache-Control": "no-store"})
    set_transaction_binding(response, binding, secure=ctx.secure)
    return response


async def authorize(request: Request) -> Response:
    ctx = request_context(request)
    try:
        _, authz = await parse_authorization_request(ctx, request.query_params)
    except PageError as exc:
        return await error_page(ctx, request, exc.error, exc.description)
    except RedirectError as exc:
        assert exc.reply is not None
        return error_response(exc.reply, exc.error, exc.description)
    if ticket := request.query_params.get("login_ticket"):
        return await login_with_ticket(ctx, request, authz, ticket)
    refusal = refused(Refusal.LOGIN_REQUIRED)
    if "login" not in authz.prompt:
        grant = await sso_grant(ctx, request, authz)
        if not isinstance(grant, Refused):
            return await complete_authorization(ctx, authz, grant)
        refusal = grant
    if "none" in authz.prompt:
        # Auth0's words when a second factor is due: auth0-spa-js tells this apart from a plain
        # `login_required`.
        mfa = refusal.code == Refusal.MFA_REQUIRED
        return error_response(authz.reply, "login_required", refusal.message if mfa else "Login required")
    return await start_login(ctx, request, authz)
