"""The demo single-page app at `/demo/` (local runtime only, with `serve --demo`; never in the Worker).

A page built on the real auth0-spa-js, wired to the demo SPA of the default tenant: log in through
the hosted page, see the profile and the decoded tokens, get a token silently (hidden iframe),
refresh (rotating refresh token) and log out. The SDK bundle is the one `make dev` installs with
`npm ci --prefix tests/e2e`; without it the page says so.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp

from edgeauth.runtime.local.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_PATH, Demo
from edgeauth.templates import render

PROJECT_ROOT = Path(__file__).resolve().parents[4]
SPA_JS = PROJECT_ROOT / "tests/e2e/node_modules/@auth0/auth0-spa-js/dist/auth0-spa-js.production.js"
BUNDLE_NAME = "auth0-spa-js.production.js"
NO_STORE = {"Cache-Control": "no-store"}


def is_demo_path(path: str) -> bool:
    return path == DEMO_PATH.rstrip("/") or path.startswith(DEMO_PATH)


def demo_app(demo: Demo, spa_js: Path = SPA_JS) -> ASGIApp:
    """The `/demo` routes; any other host than the demo's origin is sent there (callbacks match).
    Whether the SDK bundle is installed is checked once, at startup."""
    bundle_present = spa_js.is_file()

    def canonical(request: Request) -> Response | None:
        host = request.headers.get("host", "")
        if f"http://{host}" != demo.origin:
            return RedirectResponse(demo.page_url, 302)
        return None

    async def page(request: Request) -> Response:
        redirect = canonical(request)
        if redirect is not None:
            return redirect
        context = {
            "issuer": demo.origin + "/",
            "domain": demo.origin,
            "client_id": demo.spa_client_id,
            "redirect_uri": demo.page_url,
            "bundle": DEMO_PATH + BUNDLE_NAME,
            "bundle_present": bundle_present,
            "email": DEMO_EMAIL,
            "password": DEMO_PASSWORD,
        }
        return render("demo/index.html", context, headers=NO_STORE)

    async def bundle(request: Request) -> Response:
        if not bundle_present:
            return PlainTextResponse("auth0-spa-js is not installed: run `make dev`.", 404)
        return FileResponse(spa_js, media_type="text/javascript", headers=NO_STORE)

    async def to_page(request: Request) -> Response:
        return RedirectResponse(demo.page_url, 302)

    return Router(
        routes=[
            Route(DEMO_PATH.rstrip("/"), to_page, methods=["GET"]),
            Route(DEMO_PATH, page, methods=["GET"]),
            Route(DEMO_PATH + BUNDLE_NAME, bundle, methods=["GET"]),
        ]
    )
