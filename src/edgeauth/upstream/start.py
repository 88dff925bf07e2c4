"""Sending the browser to the upstream provider (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2.1) with
`state` (the login transaction, sealed and bound to this browser), a `nonce` and PKCE S256 (RFC 7636);
`response_mode=form_post` for the providers that post back (Apple)."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from edgeauth.encoding import s256
from edgeauth.http.context import RequestContext
from edgeauth.http.cookies import set_cross_site_binding, set_transaction_binding
from edgeauth.login.transaction import browser_binding, seal_transaction
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.oauth.authorize.respond import error_response
from edgeauth.snapshots import Connection
from edgeauth.upstream.provider import UpstreamError, provider_for

CALLBACK_PATH = "login/callback"


async def start_upstream(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, connection: Connection
) -> Response:
    try:
        provider = await provider_for(ctx.platform, ctx.tenant, connection)
    except UpstreamError as exc:
        return error_response(authz.reply, "server_error", exc.description)
    nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    binding = browser_binding(request)
    upstream = {"connection": connection.name, "nonce": nonce, "verifier": verifier}
    state = await seal_transaction(ctx, authz, binding, upstream=upstream)
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": ctx.url(CALLBACK_PATH),
        "scope": provider.scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **({"login_hint": authz.login_hint} if authz.login_hint else {}),
        **({"response_mode": "form_post"} if provider.strategy.form_post else {}),
    }
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    response = RedirectResponse(f"{provider.authorization_endpoint}{separator}{urlencode(query)}", 302)
    response.headers["Cache-Control"] = "no-store"
    set_transaction_binding(response, binding, secure=ctx.secure)
    if provider.strategy.form_post:
        set_cross_site_binding(response, binding, secure=ctx.secure)
    return response
