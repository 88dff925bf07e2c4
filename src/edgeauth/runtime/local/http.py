"""Outbound HTTP for the embedded runtime: the `HttpFetcher` port on the standard library.

`urllib` in a worker thread keeps the `local` extra free of an HTTP client; the event loop never
blocks. Like the Workers adapter, redirects are returned, not followed, and bodies are capped.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from edgeauth.ports import HttpResponse

TIMEOUT_SECONDS = 5.0
MAX_BODY_BYTES = 256 * 1024
DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": "edgeauth"}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx comes back as the response (Workers `fetch` with `redirect: "manual"`)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _send(request: urllib.request.Request) -> HttpResponse:
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return HttpResponse(response.status, response.read(MAX_BODY_BYTES), headers)
    except urllib.error.HTTPError as error:  # a response with a 3xx/4xx/5xx status
        with error:
            headers = {k.lower(): v for k, v in error.headers.items()}
            return HttpResponse(error.code, error.read(MAX_BODY_BYTES), headers)


class UrllibFetcher:
    """`HttpFetcher` over `urllib.request`, run in a thread (CPython only)."""

    async def _fetch(
        self, method: str, url: str, headers: dict[str, str] | None, body: bytes | None
    ) -> HttpResponse:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"only http(s) URLs are fetched, not {url!r}")
        request = urllib.request.Request(  # noqa: S310 - http(s) checked above
            url, data=body, headers={**DEFAULT_HEADERS, **(headers or {})}, method=method
        )
        return await asyncio.to_thread(_send, request)

    async def get(self, url: str, headers: dict[str, str] | None = None) -> HttpResponse:
        return await self._fetch("GET", url, headers, None)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
        return await self._fetch("POST", url, headers, body)
