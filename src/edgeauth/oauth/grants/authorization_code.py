"""`grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5), redeemed in the user's object."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.oauth.grants.issued import Issued
from edgeauth.oauth.grants.rules import check_grant_enabled, grant_refusal, required_param, token_object
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client
from edgeauth.users.answers import MESSAGES, Refusal, Refused

GRANT_TYPE = "authorization_code"


async def authorization_code(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    check_grant_enabled(client, GRANT_TYPE)
    user, secret = token_object(ctx, required_param(params, "code"), MESSAGES[Refusal.INVALID_CODE])
    redeemed = await user.redeem_code(
        secret,
        client.client_id,
        string_param(params, "redirect_uri"),
        string_param(params, "code_verifier"),
        "refresh_token" in client.grant_types,
    )
    if isinstance(redeemed, Refused):
        raise grant_refusal(redeemed)
    return await user_token_response(ctx, redeemed)
