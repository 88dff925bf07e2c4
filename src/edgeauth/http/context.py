"""Per-request context: the runtime's platform, the tenant and its issuer for this host."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from edgeauth.audit import client_ip
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant
from edgeauth.tenancy import issuer_for, resolve_tenant

PLATFORM_SCOPE_KEY = "edgeauth.platform"
CONTEXT_SCOPE_KEY = "edgeauth.context"


@dataclass(frozen=True)
class RequestContext:
    platform: Platform
    tenant: Tenant
    issuer: str
    # The browser's or caller's IP (brute-force protection, logs): Cloudflare's `CF-Connecting-IP`
    # on Workers, the peer address locally.
    ip: str = ""

    def url(self, path: str) -> str:
        """Absolute URL on this tenant's host (issuer ends with `/`)."""
        return self.issuer + path.lstrip("/")


def request_context(request: Request) -> RequestContext:
    return request.scope[CONTEXT_SCOPE_KEY]


class TenantMiddleware:
    """Resolves the tenant once per request; an unknown tenant host gets a 404."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        platform: Platform = scope[PLATFORM_SCOPE_KEY]
        request = Request(scope)
        host = request.headers.get("host") or request.url.netloc
        tenant = await resolve_tenant(platform, host)
        if tenant is None:
            body = {"error": "not_found", "error_description": f"Unknown tenant host {host!r}."}
            await JSONResponse(body, status_code=404)(scope, receive, send)
            return
        issuer = issuer_for(request.url.scheme, host)
        scope[CONTEXT_SCOPE_KEY] = RequestContext(platform, tenant, issuer, client_ip(request))
        await self.app(scope, receive, send)
