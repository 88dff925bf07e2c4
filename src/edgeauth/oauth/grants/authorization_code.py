"""`grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5), redeemed in the user's object."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import invalid_grant
from edgeauth.oauth.grants.rules import check_grant_enabled, required_param, token_object
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client

GRANT_TYPE = "authorization_code"


async def authorization_code(ctx: RequestContext, client: Client, params: dict[str, Any]) -> dict[str, Any]:
    check_grant_enabled(client, GRANT_TYPE)
    user, secret = token_object(ctx, required_param(params, "code"), "Invalid authorization code")
    redeemed = await user.redeem_code(
        secret,
        client.client_id,
        string_param(params, "redirect_uri"),
        string_param(params, "code_verifier"),
        "refresh_token" in client.grant_types,
    )
    if "error" in redeemed:
        raise invalid_grant(redeemed["error"])
    return await user_token_response(ctx, redeemed)
