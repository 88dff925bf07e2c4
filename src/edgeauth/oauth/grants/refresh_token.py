"""`grant_type=refresh_token` (RFC 6749 §6): rotation in the user's object, scope narrowing."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import OAuthError, invalid_grant
from edgeauth.oauth.grants.rules import check_grant_enabled, required_param, token_object
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client

GRANT_TYPE = "refresh_token"
INVALID = "Unknown or invalid refresh token."


async def refresh_token(ctx: RequestContext, client: Client, params: dict[str, Any]) -> dict[str, Any]:
    check_grant_enabled(client, GRANT_TYPE)
    user, secret = token_object(ctx, required_param(params, "refresh_token"), INVALID)
    requested = string_param(params, "scope")
    rotated = await user.refresh(secret, client.client_id, requested)
    if rotated.get("invalid_scope"):
        raise OAuthError("invalid_scope", rotated["error"], 403)
    if "error" in rotated:
        raise invalid_grant(rotated["error"])
    return await user_token_response(ctx, rotated, requested)
