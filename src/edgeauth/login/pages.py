"""The hosted login and signup pages (Auth0 Universal Login for the database connection).

Plain HTML forms that work without JavaScript; every POST must carry a transaction sealed for
this tenant and bound to this browser's cookie, which makes the forms CSRF-proof.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.connections import DATABASE_CONNECTION
from edgeauth.database.verification import send_verification_email
from edgeauth.http.body import read_fields
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cookies import (
    TRANSACTION_COOKIE,
    device_tokens,
    remembered_browser,
    set_devices,
    set_session,
)
from edgeauth.http.errors import OAuthError
from edgeauth.login.connections import email_connection_for, upstream_connections_for
from edgeauth.login.events import record_user_event
from edgeauth.login.passkeys import PASSKEY_CODE_PATH, passkey_login
from edgeauth.login.rendering import error_page, form_error, page_context, render_page, transaction_error
from edgeauth.login.second_factor import start_second_factor
from edgeauth.login.transaction import TransactionError, open_transaction
from edgeauth.notifications import email_user
from edgeauth.oauth.authorize.complete import code_request, complete_authorization
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.prompt_text import PAGE_SCREENS
from edgeauth.rate_limits import within_email_limits
from edgeauth.snapshots import load_client
from edgeauth.upstream.start import start_upstream
from edgeauth.users import completion, lazy_migration
from edgeauth.users.accounts import AccountError, AccountRefusal, check_email, create_database_user
from edgeauth.users.answers import Login, Refusal, Refused, in_browser, second_factor_due

# A refused login, in the page's words (`locales`); anything else reads as wrong credentials.
LOGIN_ERRORS = {
    Refusal.BLOCKED: "error.blocked",
    Refusal.TOO_MANY_ATTEMPTS: "error.too_many_attempts",
    Refusal.MFA_REQUIRED: "error.mfa_unavailable",
}


async def render_form(
    ctx: RequestContext,
    request: Request,
    page: str,
    authz: AuthorizationRequest,
    state: str,
    *,
    email: str = "",
    error_key: str = "",
    error_field: str = "",
    status: int = 200,
    extra: dict[str, str] | None = None,
) -> Response:
    """A form of the login (`page`), its error, and what a step adds (`extra`)."""
    client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
    context = page_context(ctx, request, authz.ui_locales, PAGE_SCREENS.get(f"{page}.html"))
    context.update(
        state=state,
        email=email or authz.login_hint,
        client_name=client.name if client else authz.client_id,
        passwordless=await email_connection_for(ctx, authz.client_id) is not None,
        upstream=await upstream_connections_for(ctx, authz.client_id),
        passkey=await passkey_login(ctx) if page in ("login", "login_id") else None,
        **form_error(ctx, context, error_key, error_field),
        **(extra or {}),
    )
    return await render_page(ctx, f"{page}.html", context, status)


async def transaction(ctx: RequestContext, request: Request, state: str) -> AuthorizationRequest:
    return await open_transaction(ctx, state, request.cookies.get(TRANSACTION_COOKIE, ""))


async def posted_form(request: Request) -> tuple[RequestContext, dict[str, str], AuthorizationRequest]:
    """A hosted form's fields (strings; `state` is always there) and the login transaction its
    sealed `state` and this browser's cookie open; `TransactionError` when either is unusable."""
    ctx = request_context(request)
    try:
        form = await read_fields(request)
    except OAuthError as exc:
        raise TransactionError(exc.description) from exc
    form.setdefault("state", "")
    return ctx, form, await transaction(ctx, request, form["state"])


FormHandler = Callable[[RequestContext, Request, dict[str, str], AuthorizationRequest], Awaitable[Response]]


async def with_form(request: Request, handler: FormHandler) -> Response:
    """Run `handler` on a posted hosted form whose login transaction opens; the error page
    otherwise (a forged or stale form: CSRF-proof)."""
    try:
        ctx, form, authz = await posted_form(request)
    except TransactionError:
        return await transaction_error(request_context(request), request)
    return await handler(ctx, request, form, authz)


async def show_page(request: Request, page: str) -> Response:
    """A form of the login in progress; `?email=` fills its email (identifier-first's "Edit email
    address" keeps what was typed, as Auth0's does), else the request's `login_hint`."""
    ctx = request_context(request)
    state = request.query_params.get("state", "")
    try:
        authz = await transaction(ctx, request, state)
    except TransactionError:
        return await transaction_error(ctx, request)
    return await render_form(ctx, request, page, authz, state, email=request.query_params.get("email", ""))


def password_page(ctx: RequestContext) -> str:
    """Where a password is typed: the login page, or identifier-first's second step."""
    return "login_password" if ctx.tenant.identifier_first else "login"


def email_page(ctx: RequestContext) -> str:
    """Where the email is typed first: the login page, or identifier-first's first step."""
    return "login_id" if ctx.tenant.identifier_first else "login"


async def login_page(request: Request) -> Response:
    """`GET /u/login`: Auth0's login screen, or identifier-first's email step (tenant setting)."""
    return await show_page(request, email_page(request_context(request)))


async def signup_page(request: Request) -> Response:
    return await show_page(request, "signup")


async def record_login(
    ctx: RequestContext,
    request: Request,
    authz: AuthorizationRequest,
    type_code: str,
    description: str = "",
    *,
    email: str,
    user_id: str = "",
) -> None:
    """Auth0's login and signup log events of the hosted page (database connection)."""
    client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
    await record_user_event(
        ctx,
        request,
        type_code,
        description,
        client=client,
        client_id=authz.client_id,
        connection=DATABASE_CONNECTION,
        email=email,
        user_id=user_id,
    )


def browser_finish(ctx: RequestContext, request: Request, authz: AuthorizationRequest) -> dict[str, Any]:
    """How a hosted login finishes: an SSO session and a code, with this browser's "remember this
    browser" token when the tenant offers that, and its device id under Adaptive MFA (the user's
    object decides whether either counts)."""
    token = remembered_browser(request) if ctx.tenant.mfa_remember_days else ""
    devices = device_tokens(request) if ctx.tenant.adaptive_mfa else None
    return completion.browser_session(code_request(authz), token, devices)


async def signed_in(ctx: RequestContext, authz: AuthorizationRequest, grant: Login) -> Response:
    response = await complete_authorization(ctx, authz, grant)
    max_age = ctx.tenant.session_lifetimes["absolute"]
    set_session(response, grant["session_token"], secure=ctx.secure, max_age=max_age)
    if "device" in grant:
        set_devices(response, grant["device"], secure=ctx.secure)
    return response


async def submit(
    ctx: RequestContext, request: Request, form: dict[str, str], authz: AuthorizationRequest, page: str
) -> Response:
    """POST of the login or signup form."""
    state, email, password = (form.get(k, "") for k in ("state", "email", "password"))
    if page == "signup" and form.get("method") == "passkey" and ctx.tenant.passkeys:
        return await passkey_signup_start(ctx, request, authz, state, email)
    if page == "signup":
        try:
            user = await create_database_user(ctx.platform, ctx.tenant.id, email=email, password=password)
        except AccountError as exc:
            await record_login(ctx, request, authz, audit.FAILED_SIGNUP, exc.message, email=email)
            keys = {
                AccountRefusal.INVALID_PASSWORD: "error.password_too_weak",
                AccountRefusal.INVALID_EMAIL: "error.invalid_email",
            }
            error_key = keys.get(exc.code, "error.user_exists")
            return await render_form(
                ctx, request, page, authz, state, email=email, error_key=error_key, status=400
            )
        await record_login(ctx, request, authz, audit.SUCCESS_SIGNUP, email=email, user_id=user["user_id"])
        client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
        await send_verification_email(ctx, request, user, client, authz.ui_locales)
    finish = browser_finish(ctx, request, authz)
    answer = await lazy_migration.login_with_password(
        ctx.platform, ctx.tenant, email, password, finish, ctx.ip
    )
    if pending := second_factor_due(answer):
        return await start_second_factor(ctx, request, authz, state, pending)
    grant = in_browser(answer)
    if isinstance(grant, Refused):
        failure = audit.BLOCKED_ACCOUNT if grant.code == Refusal.TOO_MANY_ATTEMPTS else audit.FAILED_LOGIN
        await record_login(ctx, request, authz, failure, grant.message, email=email)
        error_key = LOGIN_ERRORS.get(grant.code, "error.wrong_credentials")
        page = password_page(ctx)
        field = "password" if page == "login_password" else ""  # the email is fixed there
        return await render_form(
            ctx, request, page, authz, state, email=email, error_key=error_key, error_field=field, status=400
        )
    await record_login(
        ctx, request, authz, audit.SUCCESS_LOGIN, email=email, user_id=grant["user"]["user_id"]
    )
    return await signed_in(ctx, authz, grant)


# "Sign up with a passkey" emails a code: at most this many an hour per address and per IP.
SIGNUP_CODES_PER_EMAIL = 5
SIGNUP_CODES_PER_IP = 50


async def passkey_signup_start(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, state: str, email: str
) -> Response:
    """Sign up with a passkey: a plausible email nobody has, a code sent to it, and its page; the
    right code leads on to the page that creates the passkey (`passkey_submit.passkey_code`)."""
    try:
        address = check_email(email)
    except AccountError:
        return await render_form(
            ctx, request, "signup", authz, state, email=email, error_key="error.invalid_email", status=400
        )
    if await within_email_limits(
        ctx.platform,
        ctx.tenant.id,
        "signup-code",
        ctx.ip,
        address,
        SIGNUP_CODES_PER_IP,
        SIGNUP_CODES_PER_EMAIL,
        3600,
    ):  # beyond the limits no new code is sent (nor the last one replaced): the page asks for it
        sent = await ctx.users.by_email(address).start_signup_code()
        if "code" not in sent:
            return await render_form(
                ctx, request, "signup", authz, state, email=email, error_key="error.user_exists", status=400
            )
        client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
        await email_user(
            ctx,
            request,
            "passwordless_code",
            address,
            client=client,
            ui_locales=authz.ui_locales,
            code=sent["code"],
        )
    return await render_form(
        ctx,
        request,
        "passwordless_code",
        authz,
        state,
        email=address,
        extra={"code_action": PASSKEY_CODE_PATH},
    )


async def login_submit(request: Request) -> Response:
    return await with_form(request, partial(submit, page="login"))


async def signup_submit(request: Request) -> Response:
    return await with_form(request, partial(submit, page="signup"))


async def upstream_page(request: Request) -> Response:
    """`GET /u/login/upstream?state=…&connection=…`: a connection button of the hosted page."""
    ctx = request_context(request)
    try:
        authz = await transaction(ctx, request, request.query_params.get("state", ""))
    except TransactionError:
        return await transaction_error(ctx, request)
    name = request.query_params.get("connection", "")
    connection = next(
        (c for c in await upstream_connections_for(ctx, authz.client_id) if c.name == name), None
    )
    if connection is None:
        return await error_page(
            ctx, request, "invalid_request", "The connection is not enabled for the client."
        )
    return await start_upstream(ctx, request, authz, connection)
