"""HTTP on Workers: one request through the ASGI app, awaited in the request's own task.

The SDK's bridge (`workers.asgi.fetch`) runs an ASGI lifespan cycle and the app in background
tasks for every request, and feeds the body through a queue; under Pyodide every task, future and
awaited promise is a trip through the JS event loop (0.1 to 0.2 ms each), and together they cost a
warm token request more than the endpoint itself (docs/performance.md, "Edge"). The app has no
lifespan handlers and answers with whole bodies, so this bridge reads the body once, awaits the
app in place and returns one `Response`: what the SDK does for a buffered answer, without the
trips.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import unquote, urlsplit

import js
from pyodide.ffi import JsProxy, to_js
from starlette.types import ASGIApp, Message

from edgeauth.runtime.cloudflare.convert import is_null, js_bytes

log = logging.getLogger(__name__)

ASGI_VERSION = {"spec_version": "2.3", "version": "3.0"}
NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})
"""Fetch's null-body statuses: a `Response` with any of them must have no body."""


def request_scope(request: JsProxy, extra: dict[str, Any]) -> dict[str, Any]:
    """The ASGI HTTP scope of a fetch `Request` (header names lowercased as fetch gives them;
    header values are byte strings, so latin-1 gives back their bytes)."""
    url = urlsplit(request.url)
    headers = [
        (name.encode("latin-1", "replace"), value.encode("latin-1", "replace"))
        for name, value in js.Array.from_(request.headers).to_py()
    ]
    scheme = url.scheme
    return {
        "type": "http",
        "asgi": ASGI_VERSION,
        "http_version": "1.1",
        "method": request.method,
        "scheme": scheme,
        "server": (url.hostname or "", url.port or (443 if scheme == "https" else 80)),
        "path": unquote(url.path),
        "raw_path": url.path.encode("latin-1", "replace"),
        "query_string": url.query.encode("latin-1", "replace"),
        "root_path": "",
        "headers": headers,
        **extra,
    }


def js_response(start: Message, body: bytes) -> JsProxy:
    """`new Response(body, {status, headers})`, each header pair kept (several Set-Cookie)."""
    status = int(start["status"])
    headers = js.Headers.new(
        to_js([[name.decode("latin-1"), value.decode("latin-1")] for name, value in start.get("headers", [])])
    )
    payload = None if status in NULL_BODY_STATUSES else js_bytes(body)
    return js.Response.new(payload, status=status, headers=headers)


async def fetch(app: ASGIApp, request: JsProxy, extra: dict[str, Any]) -> JsProxy:
    """The app's answer to `request` (a JS `Request`); `extra` joins the scope. An exception the
    app raises before answering propagates (the runtime answers 500); after answering (Starlette's
    error middleware re-raises once it has sent its 500) it is logged and the answer stands."""
    body = b"" if is_null(request.body) else (await request.arrayBuffer()).to_bytes()
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    answered = asyncio.Event()
    start: Message | None = None
    chunks: list[bytes] = []

    async def receive() -> Message:
        if pending:
            return pending.pop()
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    try:
        await app(request_scope(request, extra), receive, send)
    except Exception:
        if start is None or not answered.is_set():
            raise
        log.exception("%s %s: exception after the response was sent", request.method, request.url)
    if start is None or not answered.is_set():
        raise RuntimeError("the application did not answer")
    return js_response(start, b"".join(chunks))
