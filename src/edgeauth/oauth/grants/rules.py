"""Rules shared by the grants of the token endpoint, one small function each."""

from __future__ import annotations

from typing import Any

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.oauth.errors import invalid_grant, invalid_request, unauthorized_client
from edgeauth.ports import ObjectStub
from edgeauth.snapshots import Client
from edgeauth.users.directory import user_object_for_token


def check_grant_enabled(client: Client, grant_type: str) -> None:
    """The application's `grant_types` must list the grant (Auth0, 403 `unauthorized_client`)."""
    if grant_type not in client.grant_types:
        raise unauthorized_client(grant_type)


def required_param(params: dict[str, Any], name: str) -> str:
    value = string_param(params, name)
    if not value:
        raise invalid_request(f"Missing required parameter: {name}")
    return value


def token_object(ctx: RequestContext, token: str, invalid: str) -> tuple[ObjectStub, str]:
    """The user object an opaque code or refresh token names, and its secret; else `invalid_grant`."""
    found = user_object_for_token(ctx.platform, token)
    if found is None:
        raise invalid_grant(invalid)
    return found
