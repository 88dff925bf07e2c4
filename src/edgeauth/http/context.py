"""Per-request context: the runtime's platform, the tenant and its issuer for this host."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from edgeauth.audit import client_ip
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant
from edgeauth.tenancy import CreateDefault, MalformedHost, resolve_site
from edgeauth.users.objects import UserObjects

PLATFORM_SCOPE_KEY = "edgeauth.platform"
CONTEXT_SCOPE_KEY = "edgeauth.context"


@dataclass(frozen=True)
class RequestContext:
    platform: Platform
    tenant: Tenant
    issuer: str
    # What the caller's IP is read from: the request's headers and peer (not the scope itself,
    # which holds this context: no reference cycle per request).
    caller: Scope = field(default_factory=dict, repr=False, compare=False)
    # Reached on the tenant's custom domain (`tenancy.Site.own_domain`): its own HTML may run there.
    own_domain: bool = False

    @cached_property
    def ip(self) -> str:
        """The browser's or caller's IP (brute-force protection, logs): Cloudflare's
        `CF-Connecting-IP` on Workers, the peer address locally; worked out when first asked."""
        return client_ip(Request(self.caller), self.platform.settings)

    @property
    def secure(self) -> bool:
        """Whether the canonical origin is https (then cookies are `Secure`)."""
        return self.issuer.startswith("https://")

    @property
    def users(self) -> UserObjects:
        """This tenant's user objects (the only way to them)."""
        return UserObjects(self.platform, self.tenant.id)

    def url(self, path: str) -> str:
        """Absolute URL on this tenant's host (issuer ends with `/`)."""
        return self.issuer + path.lstrip("/")


def request_context(request: Request) -> RequestContext:
    ctx: RequestContext = request.scope[CONTEXT_SCOPE_KEY]
    return ctx


def raw_header(scope: Scope, wanted: bytes) -> str | None:
    """A request header (`wanted` lower-cased), read off the scope's raw list: no header map is
    built for it, which the hot paths would otherwise pay for on every request."""
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


class TenantMiddleware:
    """Resolves the tenant once per request: a malformed Host gets a 400, one that names no
    tenant's canonical host a 404 (edgeauth.tenancy)."""

    def __init__(self, app: ASGIApp, create_default: CreateDefault | None = None) -> None:
        self.app = app
        self.create_default = create_default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        platform: Platform = scope[PLATFORM_SCOPE_KEY]
        platform.config.refresh()
        try:
            site = await resolve_site(platform, raw_header(scope, b"host") or "", self.create_default)
        except MalformedHost:
            body = {"error": "invalid_request", "error_description": "Invalid Host header."}
            await JSONResponse(body, status_code=400)(scope, receive, send)
            return
        if site is None:
            body = {"error": "not_found", "error_description": "Unknown host."}
            await JSONResponse(body, status_code=404)(scope, receive, send)
            return
        caller = {"type": "http", "headers": scope["headers"], "client": scope.get("client")}
        scope[CONTEXT_SCOPE_KEY] = RequestContext(platform, site.tenant, site.issuer, caller, site.own_domain)
        await self.app(scope, receive, send)
