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

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edgeauth.admin.errors import AdminError
from edgeauth.http.context import CONTEXT_SCOPE_KEY, RequestContext
from edgeauth.rate_limits import Usage, caller_bucket, count_request, ip_bucket, peek

USAGE_SCOPE_KEY = "edgeauth.rate_limit"
ANONYMOUS_LIMIT = 60
ANONYMOUS_WINDOW = 60


async def count_caller(scope: Scope, ctx: RequestContext, issuer: str, subject: str) -> None:
    """After the token is verified: count the caller; 429 beyond the tenant's limit."""
    tenant = ctx.tenant
    bucket = caller_bucket(issuer, subject)
    limit, window = tenant.api_rate_limit, tenant.api_rate_window
    usage = await count_request(ctx.platform, tenant.id, bucket, limit, window)
    scope[USAGE_SCOPE_KEY] = usage
    if usage.exceeded:
        raise AdminError(429, "Global limit has been reached", "too_many_requests", usage.headers())


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
