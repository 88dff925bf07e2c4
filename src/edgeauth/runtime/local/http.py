"""Outbound HTTP for the embedded runtime: the `HttpFetcher` port on the standard library.

`urllib` in a worker thread keeps the `local` extra free of an HTTP client; the event loop never
blocks. Like the Workers adapter, redirects are returned, not followed, and bodies are capped.
Every URL passes `edgeauth.outbound.check_url`, and every connection is made to an address the
host name resolved to *and* that passed `check_address` (no DNS rebinding between check and use);
environment proxies are ignored.
"""

from __future__ import annotations

import asyncio
import functools
import http.client
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from edgeauth.outbound import GuardedFetcher, UnsafeUrl, check_address, check_url
from edgeauth.ports import HttpResponse

TIMEOUT_SECONDS = 5.0
MAX_BODY_BYTES = 256 * 1024
DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": "edgeauth"}
# host, port → the addresses it resolves to (a stub in the SSRF tests: nothing leaves the machine).
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def checked_address(resolver: Resolver, host: str, port: int, *, allow_loopback: bool) -> str:
    """The address to connect to: every address `host` resolves to must pass, else `UnsafeUrl`."""
    addresses = resolver(host.strip("[]"), port)
    if not addresses:
        raise UnsafeUrl("the host does not resolve")
    for address in addresses:
        check_address(address, allow_loopback=allow_loopback)
    return addresses[0]


def _guarded(
    connection_class: type[http.client.HTTPConnection],
) -> Callable[..., http.client.HTTPConnection]:
    class Guarded(connection_class):  # type: ignore[valid-type, misc]
        """Connects to the checked address; TLS still verifies the certificate for the name."""

        def __init__(self, *args: Any, guard: Callable[[str, int], str], **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

            def create_connection(address: tuple[str, int], *rest: Any) -> socket.socket:
                return socket.create_connection((guard(*address), address[1]), *rest)

            self._create_connection = create_connection

    return Guarded


_GuardedHTTP = _guarded(http.client.HTTPConnection)
_GuardedHTTPS = _guarded(http.client.HTTPSConnection)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx comes back as the response (Workers `fetch` with `redirect: "manual"`)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _opener(guard: Callable[[str, int], str]) -> urllib.request.OpenerDirector:
    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(functools.partial(_GuardedHTTP, guard=guard), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(functools.partial(_GuardedHTTPS, guard=guard), req)

    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), HTTPHandler, HTTPSHandler, _NoRedirects
    )


def _send(opener: urllib.request.OpenerDirector, request: urllib.request.Request) -> HttpResponse:
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return HttpResponse(response.status, response.read(MAX_BODY_BYTES), headers)
    except urllib.error.HTTPError as error:  # a response with a 3xx/4xx/5xx status
        with error:
            headers = {k.lower(): v for k, v in error.headers.items()}
            return HttpResponse(error.code, error.read(MAX_BODY_BYTES), headers)
    except urllib.error.URLError as error:
        if isinstance(error.reason, UnsafeUrl):
            raise error.reason from None
        raise OSError(str(error.reason)) from error


class UrllibFetcher(GuardedFetcher):
    """`HttpFetcher` over `urllib.request`, run in a thread (CPython only)."""

    def __init__(self, resolver: Resolver = system_resolver) -> None:
        self.resolver = resolver

    async def _fetch(
        self, method: str, url: str, headers: dict[str, str] | None, body: bytes | None, allow_loopback: bool
    ) -> HttpResponse:
        check_url(url, allow_loopback=allow_loopback)
        guard = functools.partial(checked_address, self.resolver, allow_loopback=allow_loopback)
        request = urllib.request.Request(  # noqa: S310 - http(s) checked above
            url, data=body, headers={**DEFAULT_HEADERS, **(headers or {})}, method=method
        )
        return await asyncio.to_thread(_send, _opener(guard), request)
