"""openid-client v6 (npm, on oauth4webapi) as a relying party: discovery, the code flow for a
public app (PKCE) and a confidential one (client_secret_post, client_secret_basic), ID token
validation by openid-client itself, /userinfo and a refresh.

The Node script (`tests/e2e/openid_client.mjs`) is the relying party; this test is the user's
browser (`tests/browser.py`), between the authorization URL and the callback.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser import Browser
from tests.conftest import Server
from tests.e2e_support import E2E, require_e2e_tools

EMAIL, PASSWORD = "oidc.rp@example.com", "openid-client v6 rp"
CALLBACK = "https://rp.example/callback"
SCOPE = "openid profile email offline_access"


@pytest.fixture(scope="module")
def apps(server: Server) -> dict[str, dict]:
    server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    return {
        kind: server.cli("apps", "create", "--name", f"RP {kind}", "--type", kind, "--callbacks", CALLBACK)
        for kind in ("spa", "regular")
    }


def relying_party(server: Server, options: dict[str, Any]) -> dict[str, Any]:
    """Run the openid-client script; play the browser when it asks; return its final result,
    which must not be an error."""
    result = run_relying_party(server, options)
    assert "error" not in result, result
    return result


def run_relying_party(server: Server, options: dict[str, Any]) -> dict[str, Any]:
    """Run the openid-client script; play the browser when it asks; return what it printed last."""
    node = require_e2e_tools(browser=False)
    rp = subprocess.Popen(
        [node, str(E2E / "openid_client.mjs"), json.dumps(options)],
        cwd=E2E,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert rp.stdout is not None and rp.stdin is not None
        start = json.loads(rp.stdout.readline() or '{"error": "no output"}')
        assert "error" not in start, start
        assert start["issuer"] == f"{server.origin}/"  # discovery checked it equals the URL asked
        url = urlsplit(start["authorization_url"])
        assert f"{url.scheme}://{url.netloc}" == server.origin and url.path == "/authorize"
        query = dict(parse_qsl(url.query))
        assert query["response_type"] == "code" and query["client_id"] == options["client_id"]
        assert ("code_challenge" in query) == options["pkce"]

        response = Browser(server).login(query, EMAIL, PASSWORD)
        assert response.status_code == 302, response.text
        rp.stdin.write(response.headers["location"] + "\n")
        rp.stdin.flush()
        out, err = rp.communicate(timeout=30)
    finally:
        if rp.poll() is None:
            rp.kill()
            rp.wait()
    return json.loads(out.splitlines()[-1]) if out.strip() else {"error": "no output", "stderr": err}


def check_result(result: dict[str, Any], server: Server, client_id: str) -> None:
    claims = result["claims"]
    assert claims["iss"] == f"{server.origin}/" and claims["aud"] == client_id
    assert claims["email"] == EMAIL and claims["sub"].startswith("auth0|")
    assert result["token_type"] == "bearer" and result["expires_in"] > 0
    assert result["scope"].split() == SCOPE.split()
    assert result["userinfo"]["sub"] == claims["sub"] and result["userinfo"]["email"] == EMAIL
    assert result["refresh"]["rotated"] is True
    assert result["refresh"]["claims"]["sub"] == claims["sub"]


def test_public_app_with_pkce(server: Server, apps: dict[str, dict]) -> None:
    client_id = apps["spa"]["client_id"]
    result = relying_party(
        server,
        {
            "issuer": f"{server.origin}/",
            "client_id": client_id,
            "auth": "none",
            "redirect_uri": CALLBACK,
            "scope": SCOPE,
            "pkce": True,
        },
    )
    check_result(result, server, client_id)


@pytest.mark.parametrize("auth", ["post", "basic"])
def test_confidential_app(server: Server, apps: dict[str, dict], auth: str) -> None:
    """client_secret_post with PKCE; client_secret_basic without PKCE but with max_age, so
    openid-client also requires and checks `auth_time`."""
    app = apps["regular"]
    options: dict[str, Any] = {
        "issuer": f"{server.origin}/",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "auth": auth,
        "redirect_uri": CALLBACK,
        "scope": SCOPE,
        "pkce": auth == "post",
    }
    if auth == "basic":
        options["max_age"] = 300
    result = relying_party(server, options)
    check_result(result, server, app["client_id"])
    if auth == "basic":
        assert isinstance(result["claims"]["auth_time"], int)


def test_a_wrong_client_secret_is_refused(server: Server, apps: dict[str, dict]) -> None:
    app = apps["regular"]
    with pytest.raises(AssertionError, match="'oauth_error': 'invalid_client'"):
        relying_party(
            server,
            {
                "issuer": f"{server.origin}/",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"] + "x",
                "auth": "post",
                "redirect_uri": CALLBACK,
                "scope": SCOPE,
                "pkce": True,
            },
        )


def test_a_wrong_secret_over_http_basic_names_the_error_in_the_challenge(
    server: Server, apps: dict[str, dict]
) -> None:
    """openid-client v6 reads the error from `WWW-Authenticate` when there is one: the challenge
    must carry `error="invalid_client"` (it had only a realm, and the error came out undefined)."""
    app = apps["regular"]
    result = run_relying_party(
        server,
        {
            "issuer": f"{server.origin}/",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"] + "x",
            "auth": "basic",
            "redirect_uri": CALLBACK,
            "scope": SCOPE,
            "pkce": True,
        },
    )
    assert result["error"] == "OAUTH_WWW_AUTHENTICATE_CHALLENGE", result
    assert result["challenge_error"] == "invalid_client"
    assert result["challenge_description"] == "Client authentication failed."
