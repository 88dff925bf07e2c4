"""Outbound HTTP on Workers: the `HttpFetcher` port over the global `fetch`.

Same contract as `edgeauth.runtime.local.http.UrllibFetcher`: GET with `Accept: application/json`,
`redirect: "manual"`, a 5 s timeout (`AbortSignal.timeout`), the body capped, a network failure
raised as `OSError`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import js
from pyodide.ffi import JsException, to_js

from edgeauth.ports import HttpResponse
from edgeauth.runtime.cloudflare.convert import to_python

TIMEOUT_MS = 5000
MAX_BODY_BYTES = 256 * 1024


class WorkersFetch:
    """`HttpFetcher` over `fetch()` (subrequests count against the Worker's per-request limit)."""

    async def get(self, url: str) -> HttpResponse:
        """`await fetch(url, {headers, redirect: "manual", signal})`, then its bytes."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"only http(s) URLs are fetched, not {url!r}")
        init = {
            "method": "GET",
            "headers": {"Accept": "application/json"},
            "redirect": "manual",
            "signal": js.AbortSignal.timeout(TIMEOUT_MS),
        }
        try:
            response = await js.fetch(url, to_js(init, dict_converter=js.Object.fromEntries))
            body = to_python(await response.arrayBuffer())
        except JsException as exc:  # TypeError: network failure; AbortError / TimeoutError
            raise OSError(f"GET {url}: {exc}") from exc
        return HttpResponse(int(response.status), body[:MAX_BODY_BYTES])
