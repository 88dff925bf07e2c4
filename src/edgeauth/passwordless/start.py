"""`POST /passwordless/start` (Auth0 Authentication API): send an email code or a magic link.

JSON or form: `client_id`, `client_secret?`, `connection` (an `email` connection enabled for the
client), `email`, `send` (`link` by default, or `code`), `authParams` (the authorization request a
magic link finishes). Errors are Auth0's `bad.<field>` ones.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from edgeauth import audit
from edgeauth.connections import EMAIL_STRATEGY
from edgeauth.http.body import read_params, string_param
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cors import allow_listed_origin
from edgeauth.http.errors import NO_STORE, OAuthError
from edgeauth.login.connections import enabled_with_strategy
from edgeauth.login.events import record_user_event
from edgeauth.notifications import email_user
from edgeauth.oauth.authorize.request import (
    AuthorizationRequest,
    PageError,
    RedirectError,
    parse_authorization_request,
)
from edgeauth.oauth.client_auth import request_client
from edgeauth.snapshots import Client
from edgeauth.users.accounts import AccountError, check_email

SEND_MODES = ("link", "code")


def bad(field: str, description: str) -> OAuthError:
    return OAuthError(f"bad.{field}", description)


async def check_connection(ctx: RequestContext, client: Client, params: dict[str, Any]) -> str:
    name = string_param(params, "connection")
    if not name:
        raise bad("connection", "Missing required property: connection")
    if await enabled_with_strategy(ctx, client.client_id, name, EMAIL_STRATEGY) is None:
        raise bad("connection", "Connection does not exist or is not enabled for the client.")
    return name


def check_address(params: dict[str, Any]) -> str:
    email = string_param(params, "email")
    if not email:
        raise bad("email", "Missing required property: email")
    try:
        return check_email(email)
    except AccountError as exc:
        raise bad("email", exc.message) from exc


def check_send(params: dict[str, Any]) -> str:
    send = string_param(params, "send") or "link"
    if send not in SEND_MODES:
        raise bad("send", "Expected `send` to be one of: link, code")
    return send


async def link_request(ctx: RequestContext, client: Client, params: dict[str, Any]) -> AuthorizationRequest:
    """The authorization request a magic link finishes: `authParams`, checked like `/authorize`."""
    auth_params = params.get("authParams") or {}
    if not isinstance(auth_params, dict) or not all(isinstance(v, str) for v in auth_params.values()):
        raise bad("authParams", "authParams must be an object of strings")
    try:
        _, request = await parse_authorization_request(ctx, {**auth_params, "client_id": client.client_id})
    except (PageError, RedirectError) as exc:
        raise bad("authParams", exc.description) from exc
    return request


async def send_passwordless(
    ctx: RequestContext, request: Request, client: Client, params: dict[str, Any]
) -> Response:
    connection = await check_connection(ctx, client, params)
    email, send = check_address(params), check_send(params)
    authz = await link_request(ctx, client, params) if send == "link" else None
    sent = await ctx.users.by_email(email).start_passwordless(send, authz.to_json() if authz else None)
    ui_locales = authz.ui_locales if authz else ""
    # Nothing is sent only while the address moves to another user (an email change this minute).
    if "link" in sent:
        url = f"{ctx.issuer}passwordless/verify_redirect?token={quote(sent['link'])}"
        await email_user(
            ctx, request, "passwordless_link", email, client=client, ui_locales=ui_locales, url=url
        )
    elif "code" in sent:
        await email_user(ctx, request, "passwordless_code", email, client=client, code=sent["code"])
    await record_user_event(
        ctx,
        request,
        audit.CODE_LINK_SENT,
        f"Passwordless {send} sent",
        client=client,
        connection=connection,
        email=email,
    )
    # Auth0 answers with an id of the request; an opaque one here (it names no object or user).
    body = {"_id": secrets.token_hex(12), "email": email, "email_verified": False}
    return JSONResponse(body, headers=NO_STORE)


async def passwordless_start(request: Request) -> Response:
    ctx = request_context(request)
    client: Client | None = None
    try:
        params = await read_params(request)
        client = await request_client(ctx, request.headers.get("authorization"), params)
        response = await send_passwordless(ctx, request, client, params)
    except OAuthError as exc:
        response = exc.response()
    return allow_listed_origin(request, response, client.cors_origins if client else [])
