"""The real auth0-spa-js in a real (headless) Chromium against edgeauth: the SPA lives on another
localhost port, same site as the issuer, as a developer runs it beside `edgeauth serve`.

spa-js validates every ID token itself (RS256 header, `iss` = `http://localhost:<port>/`, `aud`,
`nonce`, `exp`/`iat`) and throws otherwise, so each successful call below is also that check.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser import Browser
from tests.conftest import Server
from tests.e2e_support import Chromium, StaticSite, form_of, query_of

EMAIL, PASSWORD = "spa.user@example.com", "spa-js in chromium 1"


class Pages:
    """The SPA's pages on the static site, all for one app (their URLs are its callbacks)."""

    def __init__(self, server: Server, site: StaticSite) -> None:
        self.issuer = server.origin
        names = ("sso", "refresh", "worker", "bye")
        urls = [f"{site.origin}/{name}/" for name in names]
        server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
        self.app = server.cli(
            "apps",
            "create",
            "--name",
            "SPA in Chromium",
            "--type",
            "spa",
            "--callbacks",
            ",".join(urls),
            "--logout-urls",
            ",".join(urls),
            "--web-origins",
            site.origin,
        )
        # spa-js keeps an explicit http:// in `domain` and then expects the issuer
        # `http://localhost:<port>/` (its `issuer` option would force https://).
        client = {
            "domain": self.issuer,
            "clientId": self.app["client_id"],
            "authorizeTimeoutInSeconds": 10,
        }
        self.sso = site.page("sso", {"client": client})
        self.bye = site.page("bye", {"client": client})
        # Refresh tokens kept by spa-js's Web Worker (memory cache, its default) or in localStorage.
        refresh = {**client, "useRefreshTokens": True}
        self.worker = site.page("worker", {"client": refresh})
        self.refresh = site.page("refresh", {"client": {**refresh, "cacheLocation": "localstorage"}})


@pytest.fixture(scope="module")
def pages(server: Server, site: StaticSite) -> Pages:
    return Pages(server, site)


def run(browser: Chromium, body: str, arg: Any = None) -> Any:
    """`body` runs in the page once the client is ready, with `client` and `arg` in scope."""
    return browser.evaluate(f"async (arg) => {{ await window.ready; {body} }}", arg)


def login(browser: Chromium, pages: Pages, page: str) -> list[dict[str, Any]]:
    """A new browser profile logs in like a user; returns the requests the login made."""
    browser.new_session()
    browser.track(pages.issuer)
    browser.goto(page)
    browser.click("#login")
    browser.wait_for_url(f"{pages.issuer}/u/login")
    assert browser.focused() == "email"  # autofocus: the user just types
    browser.type("#email", EMAIL)
    browser.press("#email", "Tab")
    browser.type("#password", PASSWORD)
    browser.press("#password", "Enter")
    browser.wait_for_url(page)
    assert browser.wait_for_text("#status", "ready") == "ready"
    return browser.requests()


def token_calls(requests: list[dict[str, Any]], grant_type: str) -> list[dict[str, Any]]:
    return [
        r
        for r in requests
        if r["url"].endswith("/oauth/token")
        and r["method"] == "POST"
        and form_of(r["post_data"]).get("grant_type") == grant_type
    ]


def authorize_calls(requests: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [query_of(r["url"]) for r in requests if "/authorize?" in r["url"]]


def test_login_with_redirect_gives_the_profile(browser: Chromium, pages: Pages) -> None:
    requests = login(browser, pages, pages.sso)
    [authorize] = authorize_calls(requests)
    assert authorize["response_type"] == "code" and authorize["code_challenge_method"] == "S256"
    assert authorize["redirect_uri"] == pages.sso and authorize["nonce"] and authorize["auth0Client"]
    [exchange] = token_calls(requests, "authorization_code")
    assert exchange["status"] == 200 and form_of(exchange["post_data"])["code_verifier"]

    result = run(
        browser,
        "return {user: await client.getUser(), claims: await client.getIdTokenClaims(),"
        " authenticated: await client.isAuthenticated(), callback: window.callback};",
    )
    assert result["authenticated"] is True
    assert result["callback"]["appState"] == {"page": "/sso/"}  # the state round-tripped
    user = result["user"]
    assert user["email"] == EMAIL and user["email_verified"] is False
    assert {"name", "nickname", "picture", "updated_at", "sub"} <= set(user)
    assert user["nickname"] == "spa.user" and user["picture"].startswith("https://")
    claims = result["claims"]
    assert claims["iss"] == f"{pages.issuer}/" and claims["aud"] == pages.app["client_id"]
    assert claims["nonce"] == authorize["nonce"] and claims["sid"]


def test_get_token_silently_through_the_hidden_iframe(browser: Chromium, pages: Pages) -> None:
    first = token_calls(login(browser, pages, pages.sso), "authorization_code")[0]
    silent = run(browser, "return await client.getTokenSilently({cacheMode: 'off', detailedResponse: true});")
    requests = browser.requests()
    [authorize] = [r for r in requests if "/authorize?" in r["url"]]
    assert authorize["frame_is_main"] is False and authorize["status"] == 200  # the web_message page
    query = query_of(authorize["url"])
    assert query["prompt"] == "none" and query["response_mode"] == "web_message"
    [exchange] = token_calls(requests, "authorization_code")
    assert form_of(exchange["post_data"])["code"] != form_of(first["post_data"])["code"]
    assert silent["access_token"] and silent["access_token"] != json.loads(first["body"])["access_token"]
    assert silent["id_token"].count(".") == 2


@pytest.mark.parametrize("cache", ["worker", "web-storage"])
def test_refresh_tokens_rotate(browser: Chromium, pages: Pages, cache: str) -> None:
    requests = login(browser, pages, pages.worker if cache == "worker" else pages.refresh)
    [authorize] = authorize_calls(requests)
    assert "offline_access" in authorize["scope"].split()
    issued = first_refresh_token(token_calls(requests, "authorization_code")[0])

    for _ in range(2):
        token = run(browser, "return await client.getTokenSilently({cacheMode: 'off'});")
        assert token
        requests = browser.requests()
        assert not authorize_calls(requests)  # no iframe: the refresh token grant did it
        [refresh] = token_calls(requests, "refresh_token")
        assert form_of(refresh["post_data"])["refresh_token"] == issued  # the latest one is used
        rotated = first_refresh_token(refresh)
        assert rotated != issued
        issued = rotated
    if cache == "web-storage":
        cached = run(
            browser,
            "return Object.keys(localStorage).filter(k => k.startsWith('@@auth0spajs@@'))"
            ".map(k => JSON.parse(localStorage.getItem(k)).body?.refresh_token).filter(Boolean);",
        )
        assert cached == [issued]


def first_refresh_token(exchange: dict[str, Any]) -> str:
    assert exchange["status"] == 200, exchange
    body = json.loads(exchange["body"])
    assert body["id_token"]  # spa-js requires one on every grant, refresh included
    return body["refresh_token"]


def test_a_reload_keeps_the_session(browser: Chromium, pages: Pages) -> None:
    login(browser, pages, pages.sso)
    browser.reload()  # the in-memory cache is gone: only the SSO cookie can bring the user back
    assert run(browser, "return await client.isAuthenticated();") is True
    assert run(browser, "return (await client.getUser()).email;") == EMAIL
    [silent] = authorize_calls(browser.requests())  # createAuth0Client's checkSession
    assert silent["prompt"] == "none" and silent["response_mode"] == "web_message"


def test_logout_returns_and_ends_the_sso_session(server: Server, browser: Chromium, pages: Pages) -> None:
    login(browser, pages, pages.sso)
    [session] = [c for c in browser.cookies() if c["name"] == "edgeauth_session"]
    # On http (the local runtime) the cookie cannot be Secure, so it is Lax (http/cookies.py).
    assert not session["secure"] and session["sameSite"] == "Lax" and session["httpOnly"]
    browser.evaluate(
        "async (returnTo) => { await window.ready; client.logout({logoutParams: {returnTo}}); }", pages.bye
    )
    browser.wait_for_url(pages.bye)
    [logout] = [r for r in browser.requests() if "/v2/logout" in r["url"]]
    assert logout["status"] == 302 and logout["location"] == pages.bye
    query = query_of(logout["url"])
    assert query["client_id"] == pages.app["client_id"] and query["returnTo"] == pages.bye
    assert not [c for c in browser.cookies() if c["name"] == "edgeauth_session"]
    assert run(browser, "return await client.isAuthenticated();") is False

    error = run(
        browser,
        "try { await client.getTokenSilently({cacheMode: 'off'}); return null; }"
        " catch (e) { return {error: e.error, description: e.error_description}; }",
    )
    assert error == {"error": "login_required", "description": "Login required"}

    # The server ended the session too: the old cookie no longer signs anyone in.
    replay = Browser(server)
    replay.set_cookie("edgeauth_session", session["value"])
    stale = replay.request(
        "GET",
        "/authorize",
        params={
            "client_id": pages.app["client_id"],
            "redirect_uri": pages.sso,
            "response_type": "code",
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
            "prompt": "none",
            "state": "s",
        },
    )
    assert query_of(stale.headers["location"])["error"] == "login_required"
