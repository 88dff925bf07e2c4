"""`POST /oauth/token` (RFC 6749 §3.2): read the request, authenticate the client, run its grant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.encoding import compact_json
from edgeauth.http.body import read_params, string_param
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.cors import allow_listed_origin
from edgeauth.http.errors import NO_STORE, OAuthError, invalid_request
from edgeauth.oauth.client_auth import request_client
from edgeauth.oauth.grants.authorization_code import authorization_code
from edgeauth.oauth.grants.client_credentials import client_credentials
from edgeauth.oauth.grants.issued import Issued
from edgeauth.oauth.grants.mfa import MFA_OOB, MFA_OTP, MFA_RECOVERY_CODE, mfa_oob, mfa_otp, mfa_recovery_code
from edgeauth.oauth.grants.password import PASSWORD, PASSWORD_REALM, password, password_realm
from edgeauth.oauth.grants.passwordless_otp import GRANT_TYPE as PASSWORDLESS_OTP
from edgeauth.oauth.grants.passwordless_otp import passwordless_otp
from edgeauth.oauth.grants.refresh_token import refresh_token
from edgeauth.snapshots import Client

Grant = Callable[[RequestContext, Client, dict[str, Any]], Awaitable[Issued]]

GRANTS: dict[str, Grant] = {
    "authorization_code": authorization_code,
    "client_credentials": client_credentials,
    "refresh_token": refresh_token,
    PASSWORD: password,
    PASSWORD_REALM: password_realm,
    PASSWORDLESS_OTP: passwordless_otp,
    MFA_OTP: mfa_otp,
    MFA_OOB: mfa_oob,
    MFA_RECOVERY_CODE: mfa_recovery_code,
}


def check_grant_type(params: dict[str, Any]) -> Grant:
    grant_type = string_param(params, "grant_type")
    if not grant_type:
        raise invalid_request("Missing required parameter: grant_type")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise OAuthError("unsupported_grant_type", f"Unsupported grant type: {grant_type}")
    return grant


async def record_exchange(
    request: Request,
    params: dict[str, Any],
    client: Client | None,
    issued: Issued | None,
    error: OAuthError | None,
) -> None:
    """Auth0's "Success Exchange" / "Failed Exchange" log event of a supported grant."""
    grant_type = params.get("grant_type")
    exchange = audit.EXCHANGES.get(grant_type) if isinstance(grant_type, str) else None
    if exchange is None:
        return
    ctx = request_context(request)
    client_id = params.get("client_id")
    await audit.record(
        ctx.platform,
        ctx.tenant.id,
        exchange.failure if error else exchange.success,
        error.description if error else exchange.description,
        {"grant_type": grant_type, **({"error": error.error} if error else {})},
        client_id=client.client_id if client else client_id if isinstance(client_id, str) else "",
        client_name=client.name if client else "",
        user_id=issued.user_id if issued else "",
        **audit.request_fields(request, ctx.ip),
    )


async def token(request: Request) -> Response:
    ctx = request_context(request)
    client: Client | None = None
    params: dict[str, Any] = {}
    issued: Issued | None = None
    error: OAuthError | None = None
    try:
        params = await read_params(request)
        grant = check_grant_type(params)
        client = await request_client(ctx, request.headers.get("authorization"), params)
        issued = await grant(ctx, client, params)
        response = Response(compact_json(issued.body), headers=NO_STORE, media_type="application/json")
    except OAuthError as exc:
        error = exc
        response = exc.response()
    await record_exchange(request, params, client, issued, error)
    return allow_listed_origin(request, response, client.web_origins if client else [])
