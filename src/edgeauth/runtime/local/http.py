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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx comes back as the response (Workers `fetch` with `redirect: "manual"`)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _get(url: str) -> HttpResponse:
    headers = {"Accept": "application/json", "User-Agent": "edgeauth"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) checked by the caller
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return HttpResponse(response.status, response.read(MAX_BODY_BYTES))
    except urllib.error.HTTPError as error:  # a response with a 3xx/4xx/5xx status
        with error:
            return HttpResponse(error.code, error.read(MAX_BODY_BYTES))


class UrllibFetcher:
    """`HttpFetcher` over `urllib.request`, run in a thread (CPython only)."""

    async def get(self, url: str) -> HttpResponse:
        """GET `url`; `ValueError` for a scheme other than http(s), `OSError` when unreachable."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"only http(s) URLs are fetched, not {url!r}")
        return await asyncio.to_thread(_get, url)
