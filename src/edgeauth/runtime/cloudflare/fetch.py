"""Outbound HTTP on Workers: the `HttpFetcher` port over the global `fetch`.

Same contract as `edgeauth.runtime.local.http.UrllibFetcher`: default `Accept: application/json`,
`redirect: "manual"`, a 5 s timeout (`AbortSignal.timeout`), the body capped, a network failure
raised as `OSError`.
"""

from __future__ import annotations

import js
from pyodide.ffi import JsException, to_js

from edgeauth.outbound import GuardedFetcher, check_url
from edgeauth.ports import HttpResponse
from edgeauth.runtime.cloudflare.convert import to_python

TIMEOUT_MS = 5000
MAX_BODY_BYTES = 256 * 1024


class WorkersFetch(GuardedFetcher):
    """`HttpFetcher` over `fetch()` (subrequests count against the Worker's per-request limit)."""

    async def _fetch(
        self, method: str, url: str, headers: dict[str, str] | None, body: bytes | None, allow_loopback: bool
    ) -> HttpResponse:
        """`await fetch(url, {method, headers, body, redirect: "manual", signal})`, then its bytes."""
        check_url(url, allow_loopback=allow_loopback)
        init: dict[str, object] = {
            "method": method,
            "headers": {"Accept": "application/json", **(headers or {})},
            "redirect": "manual",
            "signal": js.AbortSignal.timeout(TIMEOUT_MS),
        }
        if body is not None:
            init["body"] = body.decode("utf-8")
        try:
            response = await js.fetch(url, to_js(init, dict_converter=js.Object.fromEntries))
            data = to_python(await response.arrayBuffer())
            received = {str(k).lower(): str(v) for k, v in to_python(js.Array.from_(response.headers))}
        except JsException as exc:  # TypeError: network failure; AbortError / TimeoutError
            raise OSError(f"{method} {url}: {exc}") from exc
        return HttpResponse(int(response.status), data[:MAX_BODY_BYTES], received)
