"""Auth0's `http://auth0.com/oauth/grant-type/passwordless/otp` (`realm=email`, `username`, `otp`):
the code `/passwordless/start` sent, once; auth0-python `GetToken.passwordless_login`."""

from __future__ import annotations

from typing import Any

from edgeauth.connections import EMAIL_STRATEGY
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import OAuthError
from edgeauth.login.connections import enabled_with_strategy
from edgeauth.oauth.grants.issued import Issued
from edgeauth.oauth.grants.rules import check_grant_enabled, direct_request, login_refusal, required_param
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client
from edgeauth.users import completion
from edgeauth.users.answers import Refused

GRANT_TYPE = "http://auth0.com/oauth/grant-type/passwordless/otp"


async def check_email_realm(ctx: RequestContext, client: Client, realm: str) -> None:
    """Only the `email` realm (an email connection enabled for the client); no SMS here."""
    if await enabled_with_strategy(ctx, client.client_id, realm, EMAIL_STRATEGY) is None:
        raise OAuthError("invalid_request", f"Unknown or disabled connection: {realm}", 400)


async def passwordless_otp(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    check_grant_enabled(client, GRANT_TYPE)
    await check_email_realm(ctx, client, required_param(params, "realm"))
    request = await direct_request(ctx, client, params)
    username, otp = required_param(params, "username"), required_param(params, "otp")
    finish = completion.token_grant(request.to_json(), "refresh_token" in client.grant_types)
    result = await ctx.users.by_email(username).login_with_email_code(otp, finish, ctx.ip)
    if isinstance(result, Refused):
        raise login_refusal(result)
    return await user_token_response(ctx, result)
