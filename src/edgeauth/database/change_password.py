"""Password reset by email (Auth0 `POST /dbconnections/change_password`, the hosted page's
"Forgot password?", the reset page `/lo/reset`).

The request always gets the same answer whether or not the email has a user (no enumeration); the
link holds a single-use ticket from the user's object; setting the new password revokes every
session and refresh token. Requests are counted per email and per IP (RESETS_PER_EMAIL,
RESETS_PER_IP an hour): beyond either, no email is sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from edgeauth import audit
from edgeauth.connections import DATABASE_CONNECTION
from edgeauth.database.errors import DatabaseError
from edgeauth.database.requests import database_request
from edgeauth.http.body import read_params, string_param
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cookies import TRANSACTION_COOKIE
from edgeauth.http.errors import NO_STORE, OAuthError
from edgeauth.login.events import record_for_user, record_user_event
from edgeauth.login.rendering import PageLink, form_error, message_page, page_context, render_page
from edgeauth.login.transaction import TransactionError, open_transaction
from edgeauth.notifications import email_locale, email_user
from edgeauth.prompt_text import PAGE_SCREENS
from edgeauth.rate_limits import within_email_limits
from edgeauth.snapshots import Client, load_client
from edgeauth.users.passwords import PasswordPolicyError, check_policy, hash_password

SENT = "We've just sent you an email to reset your password."
RESETS_PER_EMAIL = 5
RESETS_PER_IP = 50
RESET_WINDOW_SECONDS = 3600
# What the emailed link carries to the reset page and its form.
LINK_FIELDS = ("ticket", "ui_locales", "state")


async def within_reset_limits(ctx: RequestContext, email: str) -> bool:
    """`rate_limits.within_email_limits` for reset emails (`RESETS_PER_IP`, `RESETS_PER_EMAIL` an hour)."""
    return await within_email_limits(
        ctx.platform,
        ctx.tenant.id,
        "reset",
        ctx.ip,
        email,
        RESETS_PER_IP,
        RESETS_PER_EMAIL,
        RESET_WINDOW_SECONDS,
    )


async def send_reset(
    ctx: RequestContext,
    request: Request,
    client: Client,
    email: str,
    *,
    ui_locales: str = "",
    state: str = "",
) -> None:
    """The reset email, when the email has a database user. Its link names the email's language
    (the reset page speaks it too) and, from the hosted page, the login to go back to (`state`)."""
    ticket = await ctx.users.by_email(email).start_password_reset()
    if ticket is None:
        return
    locale = email_locale(ctx, request, ui_locales)
    link = {"ticket": ticket, "ui_locales": locale, "state": state}
    url = f"{ctx.issuer}lo/reset?" + urlencode({name: value for name, value in link.items() if value})
    await email_user(ctx, request, "reset_email", email, client=client, ui_locales=locale, url=url)
    await record_user_event(
        ctx,
        request,
        audit.SUCCESS_CHANGE_PASSWORD_REQUEST,
        client=client,
        connection=DATABASE_CONNECTION,
        email=email,
    )


async def request_reset(
    ctx: RequestContext, request: Request, client: Client, params: dict[str, Any]
) -> Response:
    if not await within_reset_limits(ctx, params["email"]):
        raise DatabaseError(
            "too_many_requests", "Too many requests. Try again later.", "TooManyRequests", 429
        )
    await send_reset(ctx, request, client, params["email"])
    return PlainTextResponse(SENT, headers=NO_STORE)


async def change_password(request: Request) -> Response:
    ctx = request_context(request)
    return await database_request(ctx, request, request_reset, required=("email", "connection"))


async def reset_form(
    ctx: RequestContext, request: Request, link: dict[str, str], error_key: str = "", status: int = 200
) -> Response:
    """The form, carrying the emailed link's fields (`LINK_FIELDS`) to its POST."""
    context = page_context(ctx, request, link["ui_locales"], PAGE_SCREENS["reset.html"])
    error = form_error(ctx, context, error_key)
    return await render_page(ctx, "reset.html", {**context, **link, **error}, status)


async def reset_page(request: Request) -> Response:
    """`GET /lo/reset?ticket=…`: the form; the ticket is checked (and spent) only by its POST."""
    ctx = request_context(request)
    return await reset_form(ctx, request, {name: request.query_params.get(name, "") for name in LINK_FIELDS})


async def back_to_login(ctx: RequestContext, request: Request, state: str) -> PageLink | None:
    """Auth0's "Back to {application}" after a reset started from the hosted login page: only in
    the browser that started that login (its transaction cookie), while the login is open."""
    try:
        authz = await open_transaction(ctx, state, request.cookies.get(TRANSACTION_COOKIE, ""))
    except TransactionError:
        return None
    client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
    name = client.name if client else authz.client_id
    return PageLink(f"/u/login?state={quote(state)}", "reset.done.back", {"client": name})


async def reset_submit(request: Request) -> Response:
    """`POST /lo/reset`: the tenant's password policy, both entries equal, then the ticket once."""
    ctx = request_context(request)
    try:
        form = await read_params(request)
        link = {name: string_param(form, name) for name in LINK_FIELDS}
        password, confirm = string_param(form, "password"), string_param(form, "confirm")
    except OAuthError:
        return await message_page(ctx, request, "reset.failed", 400)
    locale = link["ui_locales"]
    if password != confirm:
        return await reset_form(ctx, request, link, "error.passwords_differ", 400)
    try:
        check_policy(password, ctx.tenant.password_min_length)
    except PasswordPolicyError:
        return await reset_form(ctx, request, link, "error.password_too_weak", 400)
    found = ctx.users.by_token(link["ticket"])
    password_hash = await hash_password(ctx.platform.crypto, password) if found else ""
    user = await found[0].reset_password(found[1], password_hash) if found else None
    if user is None:
        await record_user_event(
            ctx, request, audit.FAILED_CHANGE_PASSWORD, "Invalid or expired ticket", client=None
        )
        return await message_page(ctx, request, "reset.failed", 400, ui_locales=locale)
    await record_for_user(ctx, request, audit.SUCCESS_CHANGE_PASSWORD, user, connection=DATABASE_CONNECTION)
    back = await back_to_login(ctx, request, link["state"]) if link["state"] else None
    return await message_page(ctx, request, "reset.done", 200, back, locale)
