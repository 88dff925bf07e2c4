"""`/local/outbox`: the outbox provider's emails as a page (local runtime only, never in the Worker).

The page answers loopback clients only: the emails hold login codes and reset links. The tenant is
the request host's, as for every other page.
"""

from __future__ import annotations

from ipaddress import ip_address

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp

from edgeauth.admin.outbox import get_outbox_email, list_outbox
from edgeauth.platform import Platform
from edgeauth.templates import render
from edgeauth.tenancy import MalformedHost, resolve_site

OUTBOX_PATH = "/local/outbox"
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src *",
}


def is_outbox_path(path: str) -> bool:
    return path == OUTBOX_PATH or path.startswith(OUTBOX_PATH + "/")


def is_loopback(request: Request) -> bool:
    try:
        return request.client is not None and ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def outbox_app(platform: Platform) -> ASGIApp:
    async def tenant_id(request: Request) -> str | None:
        try:
            site = await resolve_site(platform, request.headers.get("host", ""))
        except MalformedHost:
            return None
        return site.tenant.id if site else None

    async def inbox(request: Request) -> Response:
        tenant = await tenant_id(request) if is_loopback(request) else None
        if tenant is None:
            return PlainTextResponse("Not found", 404)
        emails = await list_outbox(platform, tenant, request.query_params.get("to", ""))
        return render("local/outbox.html", {"tenant": tenant, "emails": emails}, headers=HEADERS)

    async def message(request: Request) -> Response:
        tenant = await tenant_id(request) if is_loopback(request) else None
        email = await get_outbox_email(platform, tenant, request.path_params["email_id"]) if tenant else None
        if email is None:
            return PlainTextResponse("Not found", 404)
        return render(
            "local/outbox.html", {"tenant": tenant, "emails": [email], "open": email}, headers=HEADERS
        )

    return Router(
        routes=[
            Route(OUTBOX_PATH, inbox, methods=["GET"]),
            Route(OUTBOX_PATH + "/{email_id}", message, methods=["GET"]),
        ]
    )
