"""`POST /oauth/revoke` (RFC 7009): revoke a refresh token and its family; always 200."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.http.body import read_params, string_param
from edgeauth.http.context import request_context
from edgeauth.http.cors import allow_listed_origin
from edgeauth.http.errors import NO_STORE, OAuthError, invalid_request
from edgeauth.oauth.client_auth import request_client
from edgeauth.snapshots import Client


async def revoke(request: Request) -> Response:
    ctx = request_context(request)
    client: Client | None = None
    try:
        params = await read_params(request)
        client = await request_client(ctx, request.headers.get("authorization"), params)
        token = string_param(params, "token")
        if not token:
            raise invalid_request("Missing required parameter: token")
        found = ctx.users.by_token(token)
        if found is not None:  # RFC 7009 §2.2: an unknown token is not an error
            user, secret = found
            await user.revoke_refresh_token(secret, client.client_id)
        response = Response(status_code=200, headers=NO_STORE)
    except OAuthError as exc:
        response = exc.response()
    return allow_listed_origin(request, response, client.web_origins if client else [])
