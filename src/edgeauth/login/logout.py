"""Logout: Auth0's `GET /v2/logout` and OpenID RP-Initiated Logout `GET /oidc/logout`.

Both end the SSO session (cookie and the session in the user's object) and redirect only to a
URL in the application's allowed logout URLs; anything else gets an error page, never a redirect.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from edgeauth import audit
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cookies import clear_session, session_token
from edgeauth.jose import decode_verified
from edgeauth.keys.keyset import verification_keys
from edgeauth.login.rendering import error_page
from edgeauth.snapshots import load_client

LOGGED_OUT_PAGE = "<!DOCTYPE html><title>Logged out</title><p>You are logged out.</p>"


def without_query(url: str) -> str:
    """`ValueError` for a URL that does not parse (`http://[::1/`)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def is_allowed(url: str, allowed: list[str]) -> bool:
    """Auth0 matches the URL without its query string against the allowed logout URLs."""
    try:
        return without_query(url) in {without_query(a) for a in allowed}
    except ValueError:
        return False


async def end_sso_session(ctx: RequestContext, request: Request, client_id: str) -> None:
    """Delete the cookie's session; Auth0 logs `slo` (Success Logout) for the session's user."""
    found = ctx.users.by_token(session_token(request))
    if found is None:
        return
    user, secret = found
    user_id = await user.end_session(secret)
    if user_id is None:
        return
    client = await load_client(ctx.platform.config, ctx.tenant.id, client_id) if client_id else None
    await audit.record(
        ctx.platform,
        ctx.tenant.id,
        audit.SUCCESS_LOGOUT,
        "User successfully logged out",
        client_id=client_id,
        client_name=client.name if client else "",
        user_id=user_id,
        **audit.request_fields(request, ctx.ip),
    )


def logged_out(ctx: RequestContext, response: Response) -> Response:
    clear_session(response, secure=ctx.secure)
    response.headers["Cache-Control"] = "no-store"
    return response


async def allowed_urls(ctx: RequestContext, client_id: str) -> list[str] | None:
    """The client's allowed logout URLs; `None` for an unknown client."""
    client = await load_client(ctx.platform.config, ctx.tenant.id, client_id) if client_id else None
    return client.allowed_logout_urls if client else None


async def v2_logout(request: Request) -> Response:
    """`returnTo` must be allowed for `client_id` (without one: the tenant's allowed logout URLs);
    without `returnTo`, the first allowed URL."""
    ctx = request_context(request)
    client_id = request.query_params.get("client_id", "")
    return_to = request.query_params.get("returnTo", "")
    allowed = (await allowed_urls(ctx, client_id) if client_id else ctx.tenant.allowed_logout_urls) or []
    if return_to and not is_allowed(return_to, allowed):
        return await error_page(
            ctx,
            request,
            "invalid_request",
            f'The "returnTo" querystring parameter "{return_to}" is not defined as a valid URL in '
            '"Allowed Logout URLs".',
        )
    await end_sso_session(ctx, request, client_id)
    target = return_to or (allowed[0] if allowed else "")
    if target:
        return logged_out(ctx, RedirectResponse(target, 302))
    return logged_out(ctx, HTMLResponse(LOGGED_OUT_PAGE))


async def oidc_logout(request: Request) -> Response:
    """`post_logout_redirect_uri` needs the client: from `client_id` or the `id_token_hint`."""
    ctx = request_context(request)
    query = request.query_params
    client_id = query.get("client_id", "")
    hint = query.get("id_token_hint", "")
    if hint:
        claims = decode_verified(hint, await verification_keys(ctx.platform, ctx.tenant.id))
        if claims is None or claims.get("iss") != ctx.issuer:
            return await error_page(ctx, request, "invalid_request", "Invalid id_token_hint.")
        client_id = client_id or str(claims.get("aud", ""))
    redirect_uri = query.get("post_logout_redirect_uri", "")
    if redirect_uri:
        allowed = await allowed_urls(ctx, client_id)
        if allowed is None or not is_allowed(redirect_uri, allowed):
            return await error_page(
                ctx,
                request,
                "invalid_request",
                "The post_logout_redirect_uri is not an allowed logout URL of the client.",
            )
    await end_sso_session(ctx, request, client_id)
    if not redirect_uri:
        return logged_out(ctx, HTMLResponse(LOGGED_OUT_PAGE))
    state = query.get("state")
    separator = "&" if urlsplit(redirect_uri).query else "?"
    target = redirect_uri + (separator + urlencode({"state": state}) if state is not None else "")
    return logged_out(ctx, RedirectResponse(target, 302))
