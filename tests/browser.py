"""A minimal browser for HTTP-level login tests: keeps cookies (Secure ones too, as browsers do on
http://localhost) and follows edgeauth's redirects until one leaves for the client."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import Server


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


class Browser:
    def __init__(self, server: Server, tenant: str | None = None, host: str | None = None) -> None:
        self.http = server.client(tenant, host)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

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
