"""Identifier-first login (Auth0's `identifier_first` prompts setting): the email first; then
straight to the enterprise connection whose `domain_aliases` name the email's domain (home realm
discovery), else the password step, which also offers an email code when the client has one."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.http.context import RequestContext
from edgeauth.login.connections import home_realm
from edgeauth.login.pages import render_form, with_form
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.upstream.start import start_upstream
from edgeauth.users.accounts import AccountError, check_email


async def identifier_submit(request: Request) -> Response:
    """`POST /u/login/identifier`: a valid email leads on; anything else is the email step again."""
    return await with_form(request, identified)


async def identified(
    ctx: RequestContext, request: Request, form: dict[str, str], authz: AuthorizationRequest
) -> Response:
    state, email = form["state"], form.get("email", "")
    try:
        email = check_email(email)
    except AccountError:
        return await render_form(
            ctx, request, "login_id", authz, state, email=email, error_key="error.invalid_email", status=400
        )
    if not ctx.tenant.identifier_first:  # turned off while this login was open: the one-form page
        return await render_form(ctx, request, "login", authz, state, email=email)
    connection = await home_realm(ctx, authz.client_id, email)
    if connection is not None:
        return await start_upstream(ctx, request, replace(authz, login_hint=email), connection)
    return await render_form(ctx, request, "login_password", authz, state, email=email)
