"""Bodies the Management API will parse: at most 1 MiB, nested at most `MAX_JSON_DEPTH` deep, UTF-8
text without lone surrogates.

FastAPI parses JSON with `json.loads`, whose recursion on a 5,000-deep body is an error (a 500);
this middleware reads the body first, refuses it in Auth0's 400/413 shape, and hands the same
bytes on.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edgeauth.admin.errors import AdminError
from edgeauth.encoding import loads_bounded

MAX_BODY_BYTES = 1024 * 1024
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


async def _read(receive: Receive) -> bytes | None:
    """The whole body; None once it is over `MAX_BODY_BYTES`."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _refusal(status: int, message: str) -> JSONResponse:
    return JSONResponse(AdminError(status, message, "invalid_body").to_json(), status_code=status)


class JsonGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"").lower()
        if (
            scope["type"] != "http"
            or scope["method"] not in WITH_BODY
            or (content_type and b"json" not in content_type)
        ):
            await self.app(scope, receive, send)
            return
        body = await _read(receive)
        if body is None:
            await _refusal(413, "Payload too large.")(scope, receive, send)
            return
        try:
            loads_bounded(body or b"{}")  # well-formed, not too deep, UTF-8, no lone surrogates
            refused = False
        except ValueError:
            refused = True
        if refused:
            await _refusal(400, "Payload validation error: 'Invalid JSON' on property body.")(
                scope, receive, send
            )
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
