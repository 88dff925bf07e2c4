"""`GET|POST /userinfo` (OpenID Connect Core §5.3): the profile claims of the token's scope."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from edgeauth.http.body import read_params
from edgeauth.http.context import request_context
from edgeauth.http.cors import allow_listed_origin
from edgeauth.http.errors import OAuthError
from edgeauth.oauth.bearer import bearer_token, invalid_token, verify_access_token
from edgeauth.oauth.user_tokens import profile_claims
from edgeauth.snapshots import load_client
from edgeauth.tokens import token_client


async def userinfo(request: Request) -> Response:
    ctx = request_context(request)
    origins: list[str] = []
    try:
        params = (
            await read_params(request)
            if request.method == "POST" and request.headers.get("content-type")
            else {}
        )
        claims = await verify_access_token(ctx, bearer_token(request, params), ctx.url("userinfo"))
        client = await load_client(ctx.platform.config, ctx.tenant.id, token_client(claims))
        origins = client.web_origins if client else []
        found = await ctx.users.find(str(claims.get("sub", "")))
        user = found[1]["user"] if found else None
        if user is None:
            raise invalid_token("The user no longer exists")
        body = {"sub": user["user_id"], **profile_claims(user, str(claims.get("scope", "")).split())}
        response: Response = JSONResponse(body, headers={"Cache-Control": "no-store"})
    except OAuthError as exc:
        response = exc.response()
    return allow_listed_origin(request, response, origins)
