"""`grant_type=refresh_token` (RFC 6749 §6): rotation in the user's object, scope narrowing."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.oauth.errors import OAuthError, invalid_grant, invalid_request, unauthorized_client
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client
from edgeauth.users.directory import user_object_for_token

GRANT_TYPE = "refresh_token"
INVALID = "Unknown or invalid refresh token."


def check_grant_allowed(client: Client) -> None:
    if GRANT_TYPE not in client.grant_types:
        raise unauthorized_client(GRANT_TYPE)


async def refresh_token(ctx: RequestContext, client: Client, params: dict[str, Any]) -> dict[str, Any]:
    check_grant_allowed(client)
    token = string_param(params, "refresh_token")
    if not token:
        raise invalid_request("Missing required parameter: refresh_token")
    found = user_object_for_token(ctx.platform, token)
    if found is None:
        raise invalid_grant(INVALID)
    stub, secret = found
    requested = string_param(params, "scope")
    rotated = await stub.call("refresh", secret, client.client_id, requested)
    if rotated.get("invalid_scope"):
        raise OAuthError("invalid_scope", rotated["error"], 403)
    if "error" in rotated:
        raise invalid_grant(rotated["error"])
    return await user_token_response(ctx, rotated, requested)
