"""The README's first command: `edgeauth serve --demo` prints working demo credentials and serves
a demo single-page app (the real auth0-spa-js) at /demo/ that a newcomer logs in with."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx

from edgeauth.runtime.local.demo import Demo
from edgeauth.runtime.local.demo_app import demo_app
from edgeauth.runtime.local.process import ServerProcess
from tests.browser import pkce_pair
from tests.e2e_support import chromium, form_of, query_of


def test_demo_credentials_get_a_token_and_survive_a_restart(tmp_path: Path) -> None:
    seen = []
    for _ in range(2):  # the second start finds what the first made, on another port
        with ServerProcess(tmp_path, "--demo") as server:
            output = server.output()
            assert "issuer http://localhost:" in output
            curl = re.search(r"client_id=(\S+) -d client_secret=(\S+) -d audience=(\S+)", output)
            assert curl, output
            client_id, secret, audience = curl.groups()
            seen.append(client_id)
            response = httpx.post(
                f"{server.base_url}/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret,
                    "audience": audience,
                },
            )
            assert response.status_code == 200, response.text
            assert response.json()["scope"] == "read:messages write:messages"

            # The demo SPA's callback follows the port: /authorize sends the user to the login page.
            page = f"http://localhost:{server.port}/demo/"
            assert f"open {page}" in output and "demo user demo@example.com / password " in output
            spa = re.search(r"demo SPA client_id (\S+)", output).group(1)  # type: ignore[union-attr]
            query = {
                "client_id": spa,
                "redirect_uri": page,
                "response_type": "code",
                "code_challenge": pkce_pair()[1],
                "code_challenge_method": "S256",
            }
            authorize = httpx.get(
                f"{server.base_url}/authorize", params=query, headers={"Host": f"localhost:{server.port}"}
            )
            assert authorize.status_code == 302 and authorize.headers["location"].startswith("/u/login?")
    assert seen[0] == seen[1]


def test_the_demo_page_with_the_real_sdk(tmp_path: Path) -> None:
    """Log in through the demo page, see the profile and tokens, get a token silently, refresh,
    reload, log out: what the README promises a newcomer."""
    with ServerProcess(tmp_path, "--demo") as server, chromium() as browser:
        output = server.output()
        page = re.search(r"open (http://localhost:\d+/demo/)", output).group(1)  # type: ignore[union-attr]
        email, password = re.search(r"demo user (\S+) / password (\S+)", output).groups()  # type: ignore[union-attr]
        issuer = page.removesuffix("/demo/")
        browser.track(issuer)

        browser.goto(f"http://127.0.0.1:{server.port}/demo")  # sent to the origin its callbacks name
        assert browser.url() == page
        browser.wait_for_text("#status", "Logged out")
        browser.click("#login")
        browser.wait_for_url(f"{issuer}/u/login")
        # The demo tenant is named, never shown by its id.
        assert browser.text(".lead") == "Log in to edgeauth demo to continue to Demo SPA."
        browser.type("#email", email)
        browser.type("#password", password)
        browser.press("#password", "Enter")
        browser.wait_for_url(page)
        browser.wait_for_text("#status", f"Logged in as {email}")
        assert json.loads(browser.text("#profile"))["email"] == email
        id_token = json.loads(browser.text("#id-token"))
        assert id_token["header"]["alg"] == "RS256" and id_token["payload"]["iss"] == f"{issuer}/"
        access_token = json.loads(browser.text("#access-token"))
        assert access_token["payload"]["scope"].split() == ["openid", "profile", "email", "offline_access"]
        browser.requests()

        browser.click("#silent")
        browser.wait_for_text("#log li", "hidden iframe")
        [silent] = [query_of(r["url"]) for r in browser.requests() if "/authorize?" in r["url"]]
        assert silent["prompt"] == "none" and silent["response_mode"] == "web_message"

        before = browser.text("#refresh-token")
        browser.click("#refresh")
        browser.wait_for_text("#log li", "refresh token rotated")
        [refresh] = [r for r in browser.requests() if r["url"].endswith("/oauth/token")]
        assert form_of(refresh["post_data"])["grant_type"] == "refresh_token" and refresh["status"] == 200
        assert browser.text("#refresh-token") != before

        browser.reload()
        browser.wait_for_text("#status", f"Logged in as {email}")

        browser.click("#logout")
        browser.wait_for_text("#status", "Logged out")
        assert [r["status"] for r in browser.requests() if "/v2/logout?" in r["url"]] == [302]
        assert browser.url() == page


def test_the_demo_page_says_how_to_install_the_sdk(tmp_path: Path) -> None:
    demo = Demo(origin="http://localhost:8787", spa_client_id="spa", m2m_client_id="m2m", m2m_secret="s")
    transport = httpx.ASGITransport(app=demo_app(demo, spa_js=tmp_path / "missing.js"))

    async def get(path: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url=demo.origin) as http:
            return await http.get(path)

    page = asyncio.run(get("/demo/"))
    assert page.status_code == 200 and "make dev" in page.text and "<script" not in page.text
    assert asyncio.run(get("/demo/auth0-spa-js.production.js")).status_code == 404
