"""Exact-path dispatch for the busiest endpoints (the token endpoint, discovery, JWKS), ahead of
Starlette's exception layer and router: the same endpoint functions, one dict lookup instead of a
walk through the route list and two more wrappers per request (docs/architecture.md, "A token
request"). Every other request, and any other method, goes on to the router.

It sits inside `TenantMiddleware` (the endpoints need the request context) and inside Starlette's
`ServerErrorMiddleware`, so an unexpected exception still gets the generic JSON 500. A hot
endpoint catches its own protocol errors; none raises `HTTPException`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


class HotPaths:
    def __init__(self, app: ASGIApp, routes: Mapping[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.routes.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)
