"""Auth0's resource owner password grants: `password` (the default database connection) and
`http://auth0.com/oauth/grant-type/password-realm` (`realm` names the database connection);
auth0-python `GetToken.login`, auth0.js `client.login`. No SSO session is started."""

from __future__ import annotations

from typing import Any

from edgeauth.connections import DATABASE_CONNECTION, DATABASE_STRATEGY
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import OAuthError
from edgeauth.login.connections import enabled_with_strategy
from edgeauth.oauth.grants.issued import Issued
from edgeauth.oauth.grants.rules import (
    check_grant_enabled,
    direct_request,
    login_refusal,
    required_param,
)
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client
from edgeauth.users import completion, lazy_migration
from edgeauth.users.answers import Refused

PASSWORD = "password"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


async def check_realm(ctx: RequestContext, client: Client, realm: str) -> None:
    """The realm must be a database connection enabled for the client."""
    if await enabled_with_strategy(ctx, client.client_id, realm, DATABASE_STRATEGY) is None:
        raise OAuthError("invalid_request", f"Unknown or disabled connection: {realm}", 400)


async def password_login(ctx: RequestContext, client: Client, params: dict[str, Any], realm: str) -> Issued:
    await check_realm(ctx, client, realm)
    request = await direct_request(ctx, client, params)
    username = required_param(params, "username")
    finish = completion.token_grant(request.to_json(), "refresh_token" in client.grant_types)
    password = required_param(params, "password")
    result = await lazy_migration.login_with_password(
        ctx.platform, ctx.tenant, username, password, finish, ctx.ip
    )
    if isinstance(result, Refused):
        raise login_refusal(result)
    return await user_token_response(ctx, result)


async def password(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    """`grant_type=password`: Auth0's tenant default directory, here the database connection."""
    check_grant_enabled(client, PASSWORD)
    return await password_login(ctx, client, params, DATABASE_CONNECTION)


async def password_realm(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    check_grant_enabled(client, PASSWORD_REALM)
    return await password_login(ctx, client, params, required_param(params, "realm"))
