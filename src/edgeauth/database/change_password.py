"""Password reset by email (Auth0 `POST /dbconnections/change_password`, the reset page `/lo/reset`).

The request always gets the same answer whether or not the email has a user (no enumeration); the
link holds a single-use ticket from the user's object; setting the new password revokes every
session and refresh token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from edgeauth import audit
from edgeauth.connections import DATABASE_CONNECTION
from edgeauth.database.requests import database_request
from edgeauth.http.body import read_params, string_param
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.errors import NO_STORE, OAuthError
from edgeauth.login.events import record_for_user, record_user_event
from edgeauth.login.rendering import PAGE_HEADERS, message_page, page_context
from edgeauth.notifications import email_user
from edgeauth.snapshots import Client
from edgeauth.templates import render
from edgeauth.users.passwords import PasswordPolicyError, check_policy, hash_password

SENT = "We've just sent you an email to reset your password."


async def request_reset(
    ctx: RequestContext, request: Request, client: Client, params: dict[str, Any]
) -> Response:
    email = params["email"]
    ticket = await ctx.users.by_email(email).start_password_reset()
    if ticket is not None:
        url = f"{ctx.issuer}lo/reset?ticket={quote(ticket)}"
        await email_user(ctx, request, "reset_email", email, client=client, url=url)
        await record_user_event(
            ctx,
            request,
            audit.SUCCESS_CHANGE_PASSWORD_REQUEST,
            client=client,
            connection=DATABASE_CONNECTION,
            email=email,
        )
    return PlainTextResponse(SENT, headers=NO_STORE)


async def change_password(request: Request) -> Response:
    ctx = request_context(request)
    return await database_request(ctx, request, request_reset, required=("email", "connection"))


def reset_form(
    ctx: RequestContext, request: Request, ticket: str, error_key: str = "", status: int = 200
) -> Response:
    context = page_context(ctx, request)
    error = context["t"][error_key].format(min_length=ctx.tenant.password_min_length) if error_key else ""
    return render("reset.html", {**context, "ticket": ticket, "error": error}, status, PAGE_HEADERS)


async def reset_page(request: Request) -> Response:
    """`GET /lo/reset?ticket=`: the form; the ticket is checked (and spent) only by its POST."""
    ctx = request_context(request)
    return reset_form(ctx, request, request.query_params.get("ticket", ""))


async def reset_submit(request: Request) -> Response:
    """`POST /lo/reset`: the tenant's password policy, both entries equal, then the ticket once."""
    ctx = request_context(request)
    try:
        form = await read_params(request)
        ticket, password, confirm = (string_param(form, k) for k in ("ticket", "password", "confirm"))
    except OAuthError:
        return message_page(ctx, request, "reset.failed", 400)
    if password != confirm:
        return reset_form(ctx, request, ticket, "error.passwords_differ", 400)
    try:
        check_policy(password, ctx.tenant.password_min_length)
    except PasswordPolicyError:
        return reset_form(ctx, request, ticket, "error.password_too_weak", 400)
    found = ctx.users.by_token(ticket)
    password_hash = await hash_password(ctx.platform.crypto, password) if found else ""
    user = await found[0].reset_password(found[1], password_hash) if found else None
    if user is None:
        await record_user_event(
            ctx, request, audit.FAILED_CHANGE_PASSWORD, "Invalid or expired ticket", client=None
        )
        return message_page(ctx, request, "reset.failed", 400)
    await record_for_user(ctx, request, audit.SUCCESS_CHANGE_PASSWORD, user, connection=DATABASE_CONNECTION)
    return message_page(ctx, request, "reset.done", 200)
