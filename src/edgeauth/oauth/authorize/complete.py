"""Finishing an authorization once the user is authenticated: code or tokens, by response_type."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from edgeauth.http.context import RequestContext
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.oauth.authorize.respond import authorization_response
from edgeauth.oauth.user_tokens import granted_access, issue_access, issue_id_token
from edgeauth.users.answers import Login


def code_request(request: AuthorizationRequest) -> dict[str, Any] | None:
    """What the user's object stores with a code: the whole request, when a code is wanted."""
    return request.to_json() if "code" in request.response_type.split() else None


async def complete_authorization(
    ctx: RequestContext, request: AuthorizationRequest, grant: Login
) -> Response:
    """`grant` is what the user's object returned: `user`, `sid`, `auth_time` and maybe `code`."""
    response_types = request.response_type.split()
    params: dict[str, str] = {}
    if "code" in response_types:
        params["code"] = grant["code"]
    if not {"token", "id_token"}.intersection(response_types):
        return authorization_response(request.reply, params)  # a code: the token endpoint grants access
    access = await granted_access(ctx, request, grant["user"]["user_id"])
    access_token = None
    if "token" in response_types:
        access_token, lifetime = await issue_access(ctx, request, grant["user"], access)
        params.update(
            access_token=access_token, token_type="Bearer", expires_in=str(lifetime), scope=access.scope
        )
    if "id_token" in response_types:
        params["id_token"] = await issue_id_token(
            ctx,
            request,
            grant["user"],
            scope=access.scope,
            sid=grant["sid"],
            auth_time=grant["auth_time"],
            access_token=access_token,
            amr=grant.get("amr"),
        )
    return authorization_response(request.reply, params)
