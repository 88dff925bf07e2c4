"""A full password login per iteration: authorize → login page → form post → code → token."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import aiohttp

CALLBACK = "https://bench.example/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def one_login(http: aiohttp.ClientSession, client_id: str, email: str, password: str) -> None:
    verifier, challenge = pkce()
    query = {
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile email",
        "state": "s",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    async with http.get("/authorize", params=query, allow_redirects=False) as start:
        login_url = start.headers["Location"]
        binding = start.cookies["edgeauth_tx"].value
    cookies = {"Cookie": f"edgeauth_tx={binding}"}
    async with http.get(login_url, headers=cookies) as page:
        html = await page.text()
    state = unescape(re.search(r'name="state" value="([^"]+)"', html).group(1))  # type: ignore[union-attr]
    form = {"state": state, "email": email, "password": password}
    async with http.post("/u/login", data=form, headers=cookies, allow_redirects=False) as done:
        code = parse_qs(urlsplit(done.headers["Location"]).query)["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": CALLBACK,
    }
    async with http.post("/oauth/token", data=exchange) as tokens:
        if tokens.status != 200:
            raise RuntimeError(await tokens.text())
        await tokens.read()


async def login_load(
    base_url: str, client_id: str, emails: list[str], password: str, concurrency: int, total: int
) -> tuple[float, list[float]]:
    """(seconds, per-login latencies) for `total` logins from `concurrency` workers, each worker
    its own user (one user's logins queue in its Durable Object, by design)."""
    latencies: list[float] = []
    remaining = iter(range(total))
    async with aiohttp.ClientSession(base_url, headers={"Host": base_url.removeprefix("http://")}) as http:
        for email in emails[:concurrency]:
            await one_login(http, client_id, email, password)

        async def worker(email: str) -> None:
            for _ in remaining:
                started = time.perf_counter()
                await one_login(http, client_id, email, password)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker(emails[i]) for i in range(concurrency)))
        return time.perf_counter() - started, latencies


def pbkdf2_ceiling(seconds: float = 2.0) -> float:
    """PBKDF2-SHA256 at 100 000 iterations per second on one core (hashlib, as the local runtime)."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        hashlib.pbkdf2_hmac("sha256", b"password", b"salt" * 4, 100_000)
        count += 1
    return count / (time.perf_counter() - started)
