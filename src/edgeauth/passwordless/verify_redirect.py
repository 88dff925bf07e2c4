"""`GET /passwordless/verify_redirect?token=` (Auth0 magic link): spend the link in the user's object,
start the SSO session and finish the authorization request the link carries."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.connections import EMAIL_CONNECTION
from edgeauth.http.context import request_context
from edgeauth.locales import messages
from edgeauth.login.events import record_for_user, record_user_event
from edgeauth.login.pages import signed_in
from edgeauth.login.rendering import error_page
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.users.answers import Refusal, Refused, in_browser, refused


async def verify_redirect(request: Request) -> Response:
    ctx = request_context(request)
    found = ctx.users.by_token(request.query_params.get("token", ""))
    grant = in_browser(
        await found[0].login_with_magic_link(found[1], ctx.ip) if found else refused(Refusal.INVALID_LINK)
    )
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
