"""Management API rate limits: 429 with `x-ratelimit-*` headers (Auth0 "Management API rate
limits"), counted in D1 so every Worker isolate and location shares one exact counter.

Two kinds of fixed-window buckets, so that nobody without a token can spend a tenant's budget:

- per *caller* (the verified token's issuer and subject): `Tenant.api_rate_limit` requests per
  `api_rate_window` seconds (`management_api_rate_limit` in the tenant settings), counted by
  `authenticate` once the token is verified;
- per *IP* for requests that are not authenticated (no token, a bad one): `ANONYMOUS_LIMIT` per
  minute; beyond it, requests from that IP without a token are refused at once.

Every response carries `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (Unix
seconds when the window ends) of the bucket it counted in. Why D1 and not the Rate Limiting
binding, KV or a Durable Object: docs/decisions.md, "Management API rate limit".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edgeauth.admin.errors import AdminError
from edgeauth.http.context import CONTEXT_SCOPE_KEY, RequestContext
from edgeauth.platform import Platform

USAGE_SCOPE_KEY = "edgeauth.rate_limit"
ANONYMOUS_LIMIT = 60
ANONYMOUS_WINDOW = 60
FORGET_AFTER_SECONDS = 86400

# One row per bucket; a request from a later window starts it again at 1 (an isolate whose clock
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
    """Where a bucket stands in its current window."""

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


def caller_bucket(issuer: str, subject: str) -> str:
    return "caller:" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:32]


def ip_bucket(ip: str) -> str:
    return "ip:" + hashlib.sha256(ip.encode()).hexdigest()[:32]


async def count_request(platform: Platform, tenant_id: str, bucket: str, limit: int, window: int) -> Usage:
    """Count one request in `bucket`'s current window (one D1 write)."""
    now = platform.now()
    window = max(window, 1)
    row = await platform.db.first(COUNT_REQUEST, tenant_id, bucket, now - now % window)
    assert row is not None  # an upsert with RETURNING always returns its row
    return Usage(limit, int(row["count"]), int(row["window_start"]) + window)


async def peek(platform: Platform, tenant_id: str, bucket: str, limit: int, window: int) -> Usage:
    """Where `bucket` stands now, without counting."""
    now = platform.now()
    start = now - now % max(window, 1)
    row = await platform.db.first(
        "SELECT count FROM rate_limits WHERE tenant_id = ? AND bucket = ? AND window_start >= ?",
        tenant_id,
        bucket,
        start,
    )
    return Usage(limit, int(row["count"]) if row else 0, start + window)


async def count_caller(scope: Scope, ctx: RequestContext, issuer: str, subject: str) -> None:
    """After the token is verified: count the caller; 429 beyond the tenant's limit."""
    tenant = ctx.tenant
    bucket = caller_bucket(issuer, subject)
    limit, window = tenant.api_rate_limit, tenant.api_rate_window
    usage = await count_request(ctx.platform, tenant.id, bucket, limit, window)
    scope[USAGE_SCOPE_KEY] = usage
    if usage.exceeded:
        raise AdminError(429, "Global limit has been reached", "too_many_requests", usage.headers())


async def prune_rate_limits(platform: Platform) -> None:
    """Cron: buckets of windows long gone (callers and IPs come and go)."""
    oldest = platform.now() - FORGET_AFTER_SECONDS
    await platform.db.run("DELETE FROM rate_limits WHERE window_start < ?", oldest)


def too_many_requests(usage: Usage) -> JSONResponse:
    """Auth0's 429 body (`too_many_requests`, "Global limit has been reached")."""
    error = AdminError(429, "Global limit has been reached", "too_many_requests")
    return JSONResponse(error.to_json(), status_code=429, headers=usage.headers())


class RateLimitMiddleware:
    """Refuses an IP over its budget of unauthenticated requests; counts every 401 in it; puts
    the counted bucket's headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx: RequestContext = scope[CONTEXT_SCOPE_KEY]
        bucket = ip_bucket(ctx.ip)
        if not any(name == b"authorization" for name, _ in scope["headers"]):
            # No token at all: refused at once when the IP is over its budget. A request with a
            # token is always verified, so a stranger behind the same address locks nobody out.
            anonymous = await peek(ctx.platform, ctx.tenant.id, bucket, ANONYMOUS_LIMIT, ANONYMOUS_WINDOW)
            if anonymous.count >= ANONYMOUS_LIMIT:
                await too_many_requests(anonymous)(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                usage = scope.get(USAGE_SCOPE_KEY)
                if usage is None:  # not authenticated: the IP's bucket pays
                    usage = await count_request(
                        ctx.platform, ctx.tenant.id, bucket, ANONYMOUS_LIMIT, ANONYMOUS_WINDOW
                    )
                MutableHeaders(scope=message).update(usage.headers())
            await send(message)

        await self.app(scope, receive, send_with_headers)
