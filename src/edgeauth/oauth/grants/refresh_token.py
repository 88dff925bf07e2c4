"""`grant_type=refresh_token` (RFC 6749 §6): rotation in the user's object, scope narrowing."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import invalid_grant
from edgeauth.oauth.grants.issued import Issued
from edgeauth.oauth.grants.rules import (
    check_grant_enabled,
    direct_request,
    grant_refusal,
    required_param,
)
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client
from edgeauth.users import lazy_migration
from edgeauth.users.answers import MESSAGES, Login, MfaPending, Redeemed, Refusal, Refused

GRANT_TYPE = "refresh_token"


async def refresh_token(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    """Ours rotate in the user's object; one that is not ours may be an upstream tenant's, taken
    once by a lazy migration (`edgeauth.users.lazy_migration`)."""
    check_grant_enabled(client, GRANT_TYPE)
    token = required_param(params, "refresh_token")
    requested = string_param(params, "scope")
    found = ctx.users.by_token(token)
    rotated: Login | MfaPending | Redeemed | Refused | None = None
    if found is not None:
        rotated = await found[0].refresh(found[1], client.client_id, requested)
    if rotated is None or (isinstance(rotated, Refused) and rotated.code == Refusal.INVALID_REFRESH_TOKEN):
        request = (await direct_request(ctx, client, {})).to_json()
        secret = string_param(params, "client_secret")
        exchanged = await lazy_migration.exchange_refresh_token(
            ctx.platform, ctx.tenant, client.client_id, secret, token, request, ctx.ip
        )
        rotated = exchanged if exchanged is not None else rotated
        requested = "" if exchanged is not None else requested
    if rotated is None:
        raise invalid_grant(MESSAGES[Refusal.INVALID_REFRESH_TOKEN])
    if isinstance(rotated, Refused):
        raise grant_refusal(rotated)
    return await user_token_response(ctx, rotated, requested)
