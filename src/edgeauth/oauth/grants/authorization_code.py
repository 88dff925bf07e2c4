"""`grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5), redeemed in the user's object."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.oauth.errors import invalid_grant, invalid_request, unauthorized_client
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client
from edgeauth.users.directory import user_object_for_token

GRANT_TYPE = "authorization_code"


def check_grant_allowed(client: Client) -> None:
    if GRANT_TYPE not in client.grant_types:
        raise unauthorized_client(GRANT_TYPE)


async def authorization_code(ctx: RequestContext, client: Client, params: dict[str, Any]) -> dict[str, Any]:
    check_grant_allowed(client)
    code = string_param(params, "code")
    if not code:
        raise invalid_request("Missing required parameter: code")
    found = user_object_for_token(ctx.platform, code)
    if found is None:
        raise invalid_grant("Invalid authorization code")
    stub, secret = found
    redeemed = await stub.call(
        "redeem_code",
        secret,
        client.client_id,
        string_param(params, "redirect_uri"),
        string_param(params, "code_verifier"),
        "refresh_token" in client.grant_types,
    )
    if "error" in redeemed:
        raise invalid_grant(redeemed["error"])
    return await user_token_response(ctx, redeemed)
