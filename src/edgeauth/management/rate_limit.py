"""Per-tenant Management API rate limit: 429 with `x-ratelimit-*` headers (Auth0 "Management API
rate limits"), counted in D1 so every Worker isolate and location shares one exact counter.

A fixed window per tenant (`Tenant.api_rate_limit` requests per `api_rate_window` seconds, set with
`management_api_rate_limit` in the tenant settings); every response carries `x-ratelimit-limit`,
`x-ratelimit-remaining` and `x-ratelimit-reset` (Unix seconds when the window ends). Why D1 and not
the Rate Limiting binding, KV or a Durable Object: docs/decisions.md, "Management API rate limit".
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edgeauth.admin.errors import AdminError
from edgeauth.http.context import CONTEXT_SCOPE_KEY, RequestContext
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant

BUCKET = "management_api"

# One row per tenant; a request from a later window starts it again at 1 (an isolate whose clock
# lags never moves the window back).
COUNT_REQUEST = """
INSERT INTO rate_limits (tenant_id, bucket, window_start, count) VALUES (?, ?, ?, 1)
ON CONFLICT (tenant_id, bucket) DO UPDATE SET
    count = CASE WHEN excluded.window_start > rate_limits.window_start THEN 1
                 ELSE rate_limits.count + 1 END,
    window_start = MAX(rate_limits.window_start, excluded.window_start)
RETURNING count, window_start
"""


@dataclass(frozen=True)
class Usage:
    """Where a tenant stands in its current window after counting one request."""

    limit: int
    count: int
    reset: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(self.limit - self.count, 0)),
            "x-ratelimit-reset": str(self.reset),
        }


async def count_request(platform: Platform, tenant: Tenant) -> Usage:
    """Count one Management API request of `tenant` in its current window (one D1 write)."""
    now = platform.now()
    window = max(tenant.api_rate_window, 1)
    row = await platform.db.first(COUNT_REQUEST, tenant.id, BUCKET, now - now % window)
    assert row is not None  # an upsert with RETURNING always returns its row
    return Usage(tenant.api_rate_limit, int(row["count"]), int(row["window_start"]) + window)


def too_many_requests(usage: Usage) -> JSONResponse:
    """Auth0's 429 body (`too_many_requests`, "Global limit has been reached")."""
    error = AdminError(429, "Global limit has been reached", "too_many_requests")
    return JSONResponse(error.to_json(), status_code=429, headers=usage.headers())


class RateLimitMiddleware:
    """Counts every request to the tenant's Management API; beyond the limit answers 429."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx: RequestContext = scope[CONTEXT_SCOPE_KEY]
        usage = await count_request(ctx.platform, ctx.tenant)
        if usage.exceeded:
            await too_many_requests(usage)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(usage.headers())
            await send(message)

        await self.app(scope, receive, send_with_headers)
