"""npm `oidc-provider` as an upstream OpenID Connect provider, and a login through its development
screens (a login form, then a consent form) with a cookie-keeping HTTP client."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from typing import Any
from urllib.parse import urljoin

import httpx

from edgeauth.runtime.local.process import free_port
from tests.e2e_support import E2E, require_e2e_tools


@contextmanager
def npm_oidc_provider(
    client_id: str, client_secret: str, redirect_uri: str, accounts: dict[str, dict[str, Any]]
) -> Iterator[str]:
    """Run it; yields its issuer (`http://127.0.0.1:<port>`, no trailing slash: its own form)."""
    port = free_port()
    config = {
        "port": port,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "accounts": accounts,
    }
    node = require_e2e_tools(browser=False)
    process = subprocess.Popen(
        [node, str(E2E / "oidc_provider.mjs"), json.dumps(config)],
        cwd=E2E,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _form_action(page: httpx.Response) -> str:
    match = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert match, page.text
    return urljoin(str(page.url), unescape(match.group(1)))


def sign_in_upstream(authorize_url: str, account: str) -> str:
    """Log in as `account` and consent; returns the redirect back to the client (its callback)."""
    with httpx.Client(timeout=30) as http:
        response = http.get(authorize_url)
        for _ in range(10):
            if response.status_code in (302, 303):
                location = urljoin(str(response.url), response.headers["location"])
                if not location.startswith(authorize_url.split("/auth", 1)[0]):
                    return location
                response = http.get(location)
            elif 'name="login"' in response.text:
                response = http.post(
                    _form_action(response), data={"prompt": "login", "login": account, "password": "x"}
                )
            else:
                response = http.post(_form_action(response), data={"prompt": "consent"})
    raise AssertionError(f"no redirect back to the client: {response.status_code} {response.text[:300]}")
