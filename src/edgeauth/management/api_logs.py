"""Auth0's `sapi` / `fapi` log events ("Success/Failed API Operation") for Management API calls
that change something (Auth0 does not log reads). Only calls that reached an endpoint with a valid
token are logged (not a 401, not an unknown path), so an anonymous caller cannot fill the logs."""

from __future__ import annotations

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edgeauth import audit
from edgeauth.http.context import CONTEXT_SCOPE_KEY, RequestContext
from edgeauth.jose import unverified_json
from edgeauth.tokens import token_client

READS = frozenset({"GET", "HEAD", "OPTIONS"})
UNAUTHENTICATED = frozenset({401, 405})  # the token was refused, or no endpoint ever checked it


def caller_client_id(request: Request) -> str:
    """The calling application of an already verified token: `azp` / `client_id`, else an M2M
    `sub`."""
    _, _, token = request.headers.get("authorization", "").partition(" ")
    claims = unverified_json(token, 1)
    return token_client(claims) or str(claims.get("sub", "")).removesuffix("@clients")


async def record_operation(request: Request, status: int) -> None:
    ctx: RequestContext = request.scope[CONTEXT_SCOPE_KEY]
    path = request.url.path
    await audit.record(
        ctx.platform,
        ctx.tenant.id,
        audit.SUCCESS_API_OPERATION if status < 400 else audit.FAILED_API_OPERATION,
        f"{request.method} {path}",
        {"request": {"method": request.method, "path": path}, "response": {"statusCode": status}},
        client_id=caller_client_id(request),
        **audit.request_fields(request, ctx.ip),
    )


class ApiOperationLogMiddleware:
    """Logs every authenticated Management API call that is not a read, once it has answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READS:
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            if status not in UNAUTHENTICATED and isinstance(scope.get("route"), APIRoute):
                await record_operation(Request(scope), status)
