"""The hosted login page's "Forgot password?" (Auth0 Universal Login's reset-password prompt,
`/u/reset-password/request`): ask for the email, send the reset link, always the same answer.

Both steps belong to the login in progress (its transaction, bound to this browser's cookie, which
also makes the form CSRF-proof); the emailed link carries that login's `state`, so the reset page
can lead back to it.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.connections import DATABASE_CONNECTION, DATABASE_STRATEGY
from edgeauth.database.change_password import send_reset, within_reset_limits
from edgeauth.http.context import RequestContext, request_context
from edgeauth.login.connections import enabled_with_strategy
from edgeauth.login.pages import transaction, with_form
from edgeauth.login.rendering import (
    PageLink,
    form_error,
    message_page,
    page_context,
    render_page,
    transaction_error,
)
from edgeauth.login.transaction import TransactionError
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.prompt_text import PAGE_SCREENS
from edgeauth.snapshots import load_client
from edgeauth.users.accounts import AccountError, check_email


async def request_form(
    ctx: RequestContext,
    request: Request,
    authz: AuthorizationRequest,
    state: str,
    email: str,
    error_key: str = "",
    status: int = 200,
) -> Response:
    context = page_context(ctx, request, authz.ui_locales, PAGE_SCREENS["reset_request.html"])
    values = {"state": state, "email": email, **form_error(ctx, context, error_key)}
    return await render_page(ctx, "reset_request.html", {**context, **values}, status)


async def forgot_page(request: Request) -> Response:
    """`GET /u/reset-password/request?state=`: the email form, filled with the login's email."""
    ctx = request_context(request)
    state = request.query_params.get("state", "")
    try:
        authz = await transaction(ctx, request, state)
    except TransactionError:
        return await transaction_error(ctx, request)
    return await request_form(
        ctx, request, authz, state, request.query_params.get("email", "") or authz.login_hint
    )


async def forgot_submit(request: Request) -> Response:
    """`POST /u/reset-password/request`: the same page whether or not the email has a user."""
    return await with_form(request, reset_requested)


async def reset_requested(
    ctx: RequestContext, request: Request, form: dict[str, str], authz: AuthorizationRequest
) -> Response:
    state, email = form["state"], form.get("email", "").strip()
    try:
        check_email(email)
    except AccountError:
        return await request_form(ctx, request, authz, state, email, "error.invalid_email", 400)
    if not await within_reset_limits(ctx, email):
        return await request_form(ctx, request, authz, state, email, "error.too_many_requests", 429)
    client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
    database = await enabled_with_strategy(ctx, authz.client_id, DATABASE_CONNECTION, DATABASE_STRATEGY)
    if client is not None and database is not None:
        await send_reset(ctx, request, client, email, ui_locales=authz.ui_locales, state=state)
    back = PageLink(f"/u/login?state={quote(state)}", "reset_request.back")
    return await message_page(ctx, request, "reset_request.sent", 200, back, authz.ui_locales)
