"""`GET /passwordless/verify_redirect?token=` (Auth0 magic link): spend the link in the user's object,
start the SSO session and finish the authorization request the link carries; when the tenant
requires a second factor, ask for it first, in a login transaction bound to the browser that
opened the link (whichever it is)."""

from __future__ import annotations

from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.connections import EMAIL_CONNECTION
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cookies import set_transaction_binding
from edgeauth.locales import messages
from edgeauth.login.events import record_for_user, record_user_event
from edgeauth.login.pages import signed_in
from edgeauth.login.rendering import error_page
from edgeauth.login.second_factor import start_second_factor
from edgeauth.login.transaction import browser_binding, seal_transaction
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.users.answers import MfaPending, Refusal, Refused, in_browser, refused, second_factor_due


async def second_factor_here(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, pending: MfaPending
) -> Response:
    """The second factor's page, in a new login transaction for this browser (its cookie set)."""
    binding = browser_binding(request)
    state = await seal_transaction(ctx, authz, binding)
    response = await start_second_factor(ctx, request, authz, state, pending)
    set_transaction_binding(response, binding, secure=ctx.secure)
    return response


async def verify_redirect(request: Request) -> Response:
    ctx = request_context(request)
    found = ctx.users.by_token(request.query_params.get("token", ""))
    answer = (
        await found[0].login_with_magic_link(found[1], ctx.ip) if found else refused(Refusal.INVALID_LINK)
    )
    if pending := second_factor_due(answer):
        authz = AuthorizationRequest.from_json(cast(dict[str, Any], pending)["request"])
        return await second_factor_here(ctx, request, authz, pending)
    grant = in_browser(answer)
    if isinstance(grant, Refused):
        await record_user_event(
            ctx, request, audit.FAILED_LOGIN, grant.message, client=None, connection=EMAIL_CONNECTION
        )
        return await error_page(ctx, request, "access_denied", messages("en")["error.link"])
    authz = AuthorizationRequest.from_json(grant["request"])
    await record_for_user(
        ctx,
        request,
        audit.SUCCESS_LOGIN,
        grant["user"],
        client_id=authz.client_id,
        connection=EMAIL_CONNECTION,
    )
    return await signed_in(ctx, authz, grant)
