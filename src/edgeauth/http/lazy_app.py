"""An ASGI app imported on its first request, so what it needs never loads on other paths."""

from __future__ import annotations

import importlib

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class LazyApp:
    """`module:factory` is imported and called once, on the first request that reaches it.

    Used for the Management API: it needs pydantic, which the Authentication API never imports
    (docs/architecture.md, "One core, two runtimes"). Where the import fails, callers get a Management API
    501.
    """

    def __init__(self, target: str) -> None:
        self.module, _, self.factory = target.partition(":")
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            try:
                self.app = getattr(importlib.import_module(self.module), self.factory)()
            except ImportError as exc:
                body = {
                    "statusCode": 501,
                    "error": "Not Implemented",
                    "message": f"The Management API cannot load in this runtime ({exc.name} is missing).",
                    "errorCode": "not_implemented",
                }
                await JSONResponse(body, status_code=501)(scope, receive, send)
                return
        await self.app(scope, receive, send)
