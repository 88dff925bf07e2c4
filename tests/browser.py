"""A minimal browser for HTTP-level login tests: keeps cookies exactly as `http.cookiejar` does (the
jar of requests, httpx and authlib: no Secure cookie over http, domain, path and expiry rules) for
the host it browses, and follows edgeauth's redirects until one leaves for the client."""

from __future__ import annotations

import base64
import email.message
import hashlib
import re
import secrets
import urllib.request
from html import unescape
from http.cookiejar import Cookie, CookieJar
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import Server


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


class _Headers:
    """What `CookieJar.extract_cookies` reads of a response: `info()` with its Set-Cookie headers."""

    def __init__(self, response: httpx.Response) -> None:
        self._message = email.message.Message()
        for value in response.headers.get_list("set-cookie"):
            self._message["Set-Cookie"] = value

    def info(self) -> email.message.Message:
        return self._message


class Browser:
    """Requests go to the server's loopback address with this browser's Host header; cookies are
    kept by an `http.cookiejar.CookieJar` for `http://{that host}`, the URL a user would type."""

    def __init__(self, server: Server, tenant: str | None = None, host: str | None = None) -> None:
        self.http = server.client(tenant, host)
        self.host = str(self.http.headers["host"])
        self.jar = CookieJar()

    def _url(self, url: str) -> str:
        return url if "://" in url else f"http://{self.host}{url if url.startswith('/') else '/' + url}"

    def request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        params = kwargs.get("params")
        path = url if params is None else str(httpx.URL(url, params=params))  # type: ignore[arg-type]
        logical = urllib.request.Request(self._url(path), method=method)
        self.jar.add_cookie_header(logical)
        if logical.has_header("Cookie"):
            headers["Cookie"] = logical.get_header("Cookie")
        response = self.http.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]
        self.jar.extract_cookies(_Headers(response), logical)  # type: ignore[arg-type]
        return response

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies this browser holds for its host, by name."""
        return {cookie.name: cookie.value or "" for cookie in self.jar}

    def set_cookie(self, name: str, value: str) -> None:
        """Plant a cookie (a stolen one, say) as a host-only, non-Secure cookie of this host, under
        the domain `http.cookiejar` itself files it for that host (a dotless host is `host.local`,
        RFC 2965's effective host name): filed otherwise, the jar would never send it."""
        hostname = self.host.rsplit(":", 1)[0]
        hostname = hostname if "." in hostname else f"{hostname}.local"
        self.jar.set_cookie(
            Cookie(
                0,
                name,
                value,
                None,
                False,
                hostname,
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )

    def drop_cookie(self, name: str) -> None:
        for cookie in [c for c in self.jar if c.name == name]:
            self.jar.clear(cookie.domain, cookie.path, cookie.name)

    def follow(self, response: httpx.Response) -> httpx.Response:
        """Follow redirects that stay on the server (relative or same host)."""
        while response.status_code in (302, 303) and response.headers["location"].startswith("/"):
            response = self.request("GET", response.headers["location"])
        return response

    def authorize(self, query: dict[str, str]) -> httpx.Response:
        """`GET /authorize`, following redirects that stay on the server (to the hosted page)."""
        return self.follow(self.request("GET", "/authorize", params=query))

    def login(self, query: dict[str, str], email: str, password: str) -> httpx.Response:
        """`/authorize` → hosted login page → form post; returns the final response."""
        page = self.authorize(query)
        assert page.status_code == 200, page.text
        data = {"state": form_state(page), "email": email, "password": password}
        return self.request("POST", "/u/login", data=data)


def code_query(client_id: str, redirect_uri: str, challenge: str, **extra: str) -> dict[str, str]:
    """An authorization-code request with PKCE S256 and `scope=openid`, as a SPA sends it."""
    return {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "openid",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def form_state(page: httpx.Response) -> str:
    """The sealed login transaction in a hosted page's form."""
    match = re.search(r'name="state" value="([^"]+)"', page.text)
    assert match, page.text
    return unescape(match.group(1))


def redirect_params(response: httpx.Response) -> dict[str, str]:
    """Query (or fragment) parameters of a redirect to the client."""
    assert response.status_code == 302, response.text
    parts = urlsplit(response.headers["location"])
    return {k: v[0] for k, v in parse_qs(parts.query or parts.fragment).items()}
