"""`grant_type=refresh_token` (RFC 6749 §6): rotation in the user's object, scope narrowing."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.oauth.grants.issued import Issued
from edgeauth.oauth.grants.rules import check_grant_enabled, grant_refusal, required_param, token_object
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client
from edgeauth.users.answers import MESSAGES, Refusal, Refused

GRANT_TYPE = "refresh_token"


async def refresh_token(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    check_grant_enabled(client, GRANT_TYPE)
    user, secret = token_object(
        ctx, required_param(params, "refresh_token"), MESSAGES[Refusal.INVALID_REFRESH_TOKEN]
    )
    requested = string_param(params, "scope")
    rotated = await user.refresh(secret, client.client_id, requested)
    if isinstance(rotated, Refused):
        raise grant_refusal(rotated)
    return await user_token_response(ctx, rotated, requested)
