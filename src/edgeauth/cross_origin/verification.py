"""Auth0's cross-origin verification: a login ticket counts only in the browser that asked for it
(login CSRF otherwise: an attacker's ticket redeemed in a victim's browser signs the victim in as
the attacker).

`/co/authenticate` answers `co_verifier` and `co_id` and also sets the verifier in a cookie of the
authorization server. `/authorize?login_ticket=` redeems the ticket only with that cookie. When the
browser blocks that (third-party) cookie, and the app names a `cross_origin_loc` page running
auth0.js `crossOriginVerification()`, `/authorize` answers a page that asks that page, through a
hidden iframe and `postMessage`, for the verifier auth0.js kept under `co_id`, then posts it to
`/co/verify` (with the login transaction, bound to this browser like the hosted login form).
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.encoding import b64url_encode
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cookies import binding_cookie, set_transaction_binding
from edgeauth.login.pages import signed_in
from edgeauth.login.rendering import PAGE_HEADERS
from edgeauth.login.transaction import (
    TransactionError,
    browser_binding,
    open_transaction_body,
    seal_transaction,
)
from edgeauth.oauth.authorize.complete import code_request
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.oauth.authorize.respond import error_response
from edgeauth.snapshots import Client, load_client
from edgeauth.templates import render
from edgeauth.users.answers import MESSAGES, Login, Refusal, Refused, in_browser, refused

VERIFIER_COOKIE = "edgeauth_co"
VERIFIER_MAX_AGE = 120  # the login ticket's lifetime


def co_id(ticket: str) -> str:
    """The id auth0.js keeps the verifier under (`co/verifier/{origin}/{co_id}`), derived from the
    ticket so `/authorize` can name it without spending the ticket."""
    return b64url_encode(hashlib.sha256(ticket.encode()).digest()[:16])


def new_verifier() -> tuple[str, str]:
    """A `co_verifier` and the SHA-256 the ticket stores."""
    verifier = secrets.token_urlsafe(32)
    return verifier, hashlib.sha256(verifier.encode()).hexdigest()


def set_verifier_cookie(ctx: RequestContext, response: Response, verifier: str) -> None:
    """Sent with auth0.js's credentialed XHR: `SameSite=None; Secure` on https (the app is often
    another site), Lax on http (cookies.py: no `SameSite=None` without `Secure`)."""
    response.set_cookie(
        VERIFIER_COOKIE,
        verifier,
        max_age=VERIFIER_MAX_AGE,
        path="/",
        secure=ctx.secure,
        httponly=True,
        samesite="none" if ctx.secure else "lax",
    )


def presented_verifier(request: Request) -> str:
    return request.cookies.get(VERIFIER_COOKIE, "")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def verification_page(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, ticket: str, client: Client
) -> Response:
    """The fallback page: asks the app's `cross_origin_loc` for the verifier, posts it on."""
    binding = browser_binding(request)
    state = await seal_transaction(ctx, authz, binding, login_ticket=ticket)
    nonce = secrets.token_urlsafe(16)
    context = {
        "state": state,
        "nonce": nonce,
        "co_id": co_id(ticket),
        "app_origin": _origin(client.cross_origin_loc),
        "frame_url": f"{client.cross_origin_loc}#origin={quote(ctx.issuer.rstrip('/'), safe='')}",
    }
    # `form-action` also governs the redirect that answers the form: back to the app.
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; frame-src {_origin(client.cross_origin_loc)};"
        f" form-action 'self' {_origin(authz.redirect_uri)}; frame-ancestors 'none'"
    )
    response = render("co_verify.html", context, 200, {**PAGE_HEADERS, "Content-Security-Policy": policy})
    set_transaction_binding(response, binding, secure=ctx.secure)
    return response


async def redeem(
    ctx: RequestContext, authz: AuthorizationRequest, ticket: str, verifier: str
) -> Login | Refused:
    """The ticket's grant in this browser, or a refusal (`UNVERIFIED_BROWSER`: a wrong verifier)."""
    found = ctx.users.by_token(ticket)
    if found is None:
        return refused(Refusal.INVALID_TICKET)
    user, secret = found
    return in_browser(await user.redeem_login_ticket(secret, authz.client_id, code_request(authz), verifier))


async def login_with_ticket(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, ticket: str
) -> Response:
    """`/authorize?login_ticket=`: with the verifier cookie, at once; without it, the fallback page
    when the app has a `cross_origin_loc`; else refused."""
    grant = await redeem(ctx, authz, ticket, presented_verifier(request))
    if isinstance(grant, Refused) and grant.code == Refusal.UNVERIFIED_BROWSER:
        client = await load_client(ctx.platform.config, ctx.tenant.id, authz.client_id)
        if client is not None and client.cross_origin_loc:
            return await verification_page(ctx, request, authz, ticket, client)
    if isinstance(grant, Refused):  # a blocked user's ticket reads as any invalid one
        shown = grant.code if grant.code == Refusal.UNVERIFIED_BROWSER else Refusal.INVALID_TICKET
        return error_response(authz.reply, "access_denied", MESSAGES[shown])
    return await signed_in(ctx, authz, grant)


async def co_verify(request: Request) -> Response:
    """`POST /co/verify` from the fallback page: the transaction (this browser), then the verifier."""
    ctx = request_context(request)
    form = await request.form()
    try:
        body = await open_transaction_body(ctx, str(form.get("state", "")), binding_cookie(request))
        ticket = str(body["login_ticket"])
    except (TransactionError, KeyError):
        return Response("The login could not be verified.", 400, headers=PAGE_HEADERS)
    authz = AuthorizationRequest.from_json(body["request"])
    grant = await redeem(ctx, authz, ticket, str(form.get("verifier", "")))
    if isinstance(grant, Refused):
        return error_response(
            authz.reply, "access_denied", "The login could not be verified in this browser."
        )
    return await signed_in(ctx, authz, grant)
