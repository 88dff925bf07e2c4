"""`grant_type=client_credentials` (RFC 6749 §4.4), as Auth0 issues it to machine-to-machine apps."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import access_denied, unauthorized_client
from edgeauth.oauth.access_token import issue_access_token
from edgeauth.oauth.apis import find_api
from edgeauth.oauth.grants.issued import Issued
from edgeauth.oauth.grants.rules import check_grant_enabled
from edgeauth.snapshots import Client, ResourceServer

GRANT_TYPE = "client_credentials"


def check_confidential(client: Client) -> None:
    """A public client (SPA, native) has no secret to keep: never client_credentials."""
    if not client.is_confidential:
        raise unauthorized_client(GRANT_TYPE)


def requested_audience(ctx: RequestContext, params: dict[str, Any]) -> str:
    """`audience`, else the tenant's default audience (Auth0 tenant setting)."""
    audience = string_param(params, "audience") or ctx.tenant.default_audience
    if not audience:
        raise access_denied("No audience parameter was provided, and no default audience has been configured")
    return audience


async def check_api(ctx: RequestContext, audience: str) -> ResourceServer:
    api = await find_api(ctx, audience)
    if api is None:
        raise access_denied(f"Service not found: {audience}")
    return api


def check_client_grant(client: Client, identifier: str, audience: str) -> list[str]:
    """The scopes a client grant gives this client for this API (grants are keyed by the
    stored identifier; the message names the audience the client asked for)."""
    if identifier not in client.grants:
        raise access_denied(
            f'Client is not authorized to access "{audience}". You need to create a '
            '"client-grant" associated to this API. See: '
            "https://auth0.com/docs/api/v2#!/client-grants/post_client_grants"
        )
    return client.grants[identifier]


def granted_scopes(params: dict[str, Any], allowed: list[str]) -> list[str]:
    """All granted scopes, or the requested ones when each of them is granted."""
    requested = string_param(params, "scope").split()
    if not requested:
        return allowed
    missing = [s for s in requested if s not in allowed]
    if missing:
        raise access_denied(f"Client has not been granted scopes: {', '.join(missing)}")
    return list(dict.fromkeys(requested))


async def client_credentials(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    check_confidential(client)
    check_grant_enabled(client, GRANT_TYPE)
    audience = requested_audience(ctx, params)
    api = await check_api(ctx, audience)
    scopes = granted_scopes(params, check_client_grant(client, api.identifier, audience))
    scope = " ".join(scopes)
    token = await issue_access_token(
        ctx,
        subject=f"{client.client_id}@clients",
        audience=audience,
        client_id=client.client_id,
        scope=scope,
        lifetime=api.token_lifetime,
        api=api,
        extra={"gty": "client-credentials"},
    )
    response: dict[str, Any] = {
        "access_token": token,
        "expires_in": api.token_lifetime,
        "token_type": "Bearer",
    }
    if scope:
        response["scope"] = scope
    return Issued(response)
