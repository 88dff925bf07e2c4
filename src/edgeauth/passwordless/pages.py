"""Email codes on the hosted login page (Auth0 Universal Login with the `email` connection).

`POST /u/passwordless` sends a code to the address and shows the code form; `POST
/u/passwordless/verify` checks it in the user's object and finishes the authorization. Both forms
carry the login transaction sealed and bound to this browser's cookie (CSRF-proof).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.http.context import RequestContext
from edgeauth.login.connections import email_connection_for
from edgeauth.login.events import record_for_user, record_user_event
from edgeauth.login.pages import LOGIN_ERRORS, browser_finish, email_page, render_form, signed_in, with_form
from edgeauth.login.rendering import error_page
from edgeauth.login.second_factor import start_second_factor
from edgeauth.notifications import email_user
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.snapshots import load_client
from edgeauth.users.accounts import AccountError, check_email
from edgeauth.users.answers import Refusal, Refused, in_browser, second_factor_due

CODE_ERRORS = {**LOGIN_ERRORS, Refusal.WRONG_CODE: "error.wrong_code"}


async def send_code(request: Request) -> Response:
    """`POST /u/passwordless`: email a code to the address, then ask for it."""
    return await with_form(request, code_sent)


async def verify_code(request: Request) -> Response:
    """`POST /u/passwordless/verify`: the code once; wrong, expired or locked shows the form again."""
    return await with_form(request, code_checked)


async def code_sent(
    ctx: RequestContext, request: Request, form: dict[str, str], authz: AuthorizationRequest
) -> Response:
    connection = await email_connection_for(ctx, authz.client_id)
    try:
        email = check_email(form.get("email", ""))
    except AccountError:
        return await render_form(
            ctx,
            request,
            email_page(ctx),  # whose form had the email
            authz,
            form["state"],
            error_key="error.invalid_email",
            error_field="email" if ctx.tenant.identifier_first else "passwordless-email",
            status=400,
        )
    if connection is None:
        return await error_page(ctx, request, "invalid_request", "Passwordless login is not enabled.")
    sent = await ctx.users.by_email(email).start_passwordless("code", None)
    client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
    if sent:  # empty only while the address moves to another user
        await email_user(
            ctx,
            request,
            "passwordless_code",
            email,
            client=client,
            ui_locales=authz.ui_locales,
            code=sent["code"],
        )
    await record_user_event(
        ctx,
        request,
        audit.CODE_LINK_SENT,
        "Passwordless code sent",
        client=client,
        connection=connection.name,
        email=email,
    )
    return await render_form(ctx, request, "passwordless_code", authz, form["state"], email=email)


async def code_checked(
    ctx: RequestContext, request: Request, form: dict[str, str], authz: AuthorizationRequest
) -> Response:
    email = form.get("email", "")
    finish = browser_finish(ctx, request, authz)
    answer = await ctx.users.by_email(email).login_with_email_code(form.get("code", ""), finish, ctx.ip)
    if pending := second_factor_due(answer):
        return await start_second_factor(ctx, request, authz, form["state"], pending)
    grant = in_browser(answer)
    client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
    if isinstance(grant, Refused):
        await record_user_event(
            ctx, request, audit.FAILED_LOGIN, grant.message, client=client, connection="email", email=email
        )
        error_key = CODE_ERRORS.get(grant.code, "error.wrong_code")
        return await render_form(
            ctx,
            request,
            "passwordless_code",
            authz,
            form["state"],
            email=email,
            error_key=error_key,
            error_field="code",
            status=400,
        )
    await record_for_user(ctx, request, audit.SUCCESS_LOGIN, grant["user"], client=client, connection="email")
    return await signed_in(ctx, authz, grant)
