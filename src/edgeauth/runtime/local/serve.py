"""Serving the Worker locally: uvicorn in front, the local runtime's loops beside it.

Like `wrangler dev --test-scheduled`, `--test-scheduled` adds `/cdn-cgi/handler/scheduled` to
trigger the cron handler by hand, and the test hook `/cdn-cgi/edgeauth/bindings` (KV operations
served, per namespace). `--demo` adds the demo single-page app at `/demo/`; with `--demo`
or `--local-outbox`, the outbox provider's emails of every tenant are at `/local/outbox` (loopback
clients only). uvicorn's proxy-header handling is off: the client's address is the socket peer
(`edgeauth.audit.client_ip` decides what else to trust).
"""

from __future__ import annotations

import gc

import uvicorn
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from edgeauth.http.context import PLATFORM_SCOPE_KEY
from edgeauth.runtime.local.demo import Demo
from edgeauth.runtime.local.demo_app import demo_app, is_demo_path
from edgeauth.runtime.local.host import LocalRuntime
from edgeauth.runtime.local.outbox_page import is_outbox_path, outbox_app

SCHEDULED_PATH = "/cdn-cgi/handler/scheduled"
# With --test-scheduled, also a test hook: the KV operations served so far, per namespace (the
# edge host answers the same path from its bindings).
BINDINGS_PATH = "/cdn-cgi/edgeauth/bindings"


def local_app(
    runtime: LocalRuntime,
    app: ASGIApp,
    *,
    test_scheduled: bool = False,
    demo: Demo | None = None,
    outbox: bool = False,
) -> ASGIApp:
    """The Worker's ASGI app with this runtime's platform in every request scope."""
    demo_pages = demo_app(demo) if demo else None
    outbox_pages = outbox_app(runtime.platform) if outbox or demo else None

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if test_scheduled and scope["path"] == SCHEDULED_PATH:
                await runtime.trigger_scheduled()
                await JSONResponse({"ok": True})(scope, receive, send)
                return
            if test_scheduled and scope["path"] == BINDINGS_PATH:
                calls = {name: dict(kv.calls) for name, kv in runtime.kv.items()}
                await JSONResponse(calls)(scope, receive, send)
                return
            if demo_pages is not None and is_demo_path(scope["path"]):
                await demo_pages(scope, receive, send)
                return
            if outbox_pages is not None and is_outbox_path(scope["path"]):
                await outbox_pages(scope, receive, send)
                return
            scope[PLATFORM_SCOPE_KEY] = runtime.platform
        await app(scope, receive, send)

    return asgi


async def serve(
    runtime: LocalRuntime,
    app: ASGIApp,
    *,
    host: str,
    port: int,
    test_scheduled: bool = False,
    demo: Demo | None = None,
    outbox: bool = False,
    tls: tuple[str, str] | None = None,
) -> None:
    """Run until interrupted; the queue consumer, alarms and cron run while the server does."""
    config = uvicorn.Config(
        local_app(runtime, app, test_scheduled=test_scheduled, demo=demo, outbox=outbox),
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,  # not printed at "warning" anyway; off, uvicorn skips building each line
        server_header=False,
        proxy_headers=False,
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )
    await runtime.start()
    # Everything loaded so far lives as long as the process: out of the collector's scans, which
    # the request path's short-lived dicts trigger often (local tokens/s +~10%, docs/decisions.md).
    gc.collect()
    gc.freeze()
    try:
        await uvicorn.Server(config).serve()
    finally:
        await runtime.stop()
