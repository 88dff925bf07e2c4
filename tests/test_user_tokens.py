"""Refresh tokens, /userinfo, revocation and logout, driven by auth0-python and raw HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from auth0.authentication import GetToken, RevokeToken, Users
from auth0.authentication.exceptions import Auth0Error

from tests.browser import Browser, pkce_pair, redirect_params
from tests.conftest import Server

CALLBACK = "https://rt.example/callback"
LOGOUT = "https://rt.example/bye"
EMAIL, PASSWORD = "grace@example.com", "hopper-1906-cobol"


@pytest.fixture(scope="module")
def app(server: Server) -> dict:
    server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    server.cli(
        "apis",
        "create",
        "--name",
        "Notes",
        "--identifier",
        "https://notes.example/",
        "--scopes",
        "read:notes,write:notes",
    )
    return server.cli(
        "apps",
        "create",
        "--name",
        "RT App",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--logout-urls",
        LOGOUT,
        "--web-origins",
        "https://rt.example",
    )


def login(server: Server, app: dict, browser: Browser | None = None, **extra: str) -> dict:
    """A full login; returns the token response of the code exchange."""
    verifier, challenge = pkce_pair()
    query = {
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile email offline_access",
        "state": "s",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    code = redirect_params((browser or Browser(server)).login(query, EMAIL, PASSWORD))["code"]
    return GetToken(server.domain, app["client_id"], protocol="http").authorization_code_pkce(
        verifier, code, CALLBACK
    )


def test_refresh_rotates_and_always_returns_an_id_token(server: Server, app: dict) -> None:
    first = login(server, app)
    get_token = GetToken(server.domain, app["client_id"], protocol="http")
    second = get_token.refresh_token(first["refresh_token"])
    third = get_token.refresh_token(second["refresh_token"])
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    assert second["id_token"] and third["id_token"]
    with pytest.raises(Auth0Error) as reused:
        get_token.refresh_token(first["refresh_token"])
    assert reused.value.error_code == "invalid_grant"
    assert "invalid refresh token" in reused.value.message.lower()  # spa-js matches this text
    with pytest.raises(Auth0Error):  # the reuse revoked the whole family
        get_token.refresh_token(third["refresh_token"])


def test_scope_narrowing_on_refresh(server: Server, app: dict) -> None:
    tokens = login(server, app)
    narrowed = GetToken(server.domain, app["client_id"], protocol="http").refresh_token(
        tokens["refresh_token"], scope="openid email"
    )
    assert narrowed["scope"] == "openid email"


def test_refresh_token_of_another_client(server: Server, app: dict) -> None:
    other = server.cli("apps", "create", "--name", "Other", "--type", "spa", "--callbacks", CALLBACK)
    tokens = login(server, app)
    with pytest.raises(Auth0Error) as refused:
        GetToken(server.domain, other["client_id"], protocol="http").refresh_token(tokens["refresh_token"])
    assert refused.value.error_code == "invalid_grant"
    GetToken(server.domain, app["client_id"], protocol="http").refresh_token(tokens["refresh_token"])


def test_userinfo(server: Server, app: dict) -> None:
    tokens = login(server, app)
    info = Users(server.domain, protocol="http").userinfo(tokens["access_token"])
    assert info["email"] == EMAIL and info["sub"].startswith("auth0|")
    with server.client() as http:
        assert (
            http.post("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
            == info
        )
        bad = http.get(
            "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"][:-4] + "AAAA"}
        )
    assert bad.status_code == 401 and "invalid_token" in bad.headers["www-authenticate"]


def test_api_audience_tokens_are_also_for_userinfo(server: Server, app: dict) -> None:
    tokens = login(server, app, audience="https://notes.example/", scope="openid read:notes")
    assert tokens["scope"] == "openid read:notes"
    assert Users(server.domain, protocol="http").userinfo(tokens["access_token"])["sub"]


def test_revoke(server: Server, app: dict) -> None:
    tokens = login(server, app)
    RevokeToken(server.domain, app["client_id"], protocol="http").revoke_refresh_token(
        tokens["refresh_token"]
    )
    with pytest.raises(Auth0Error):
        GetToken(server.domain, app["client_id"], protocol="http").refresh_token(tokens["refresh_token"])
    with server.client() as http:  # unknown tokens are not an error (RFC 7009 §2.2)
        assert (
            http.post("/oauth/revoke", json={"client_id": app["client_id"], "token": "x"}).status_code == 200
        )


def test_v2_logout_ends_the_session(server: Server, app: dict) -> None:
    browser = Browser(server)
    login(server, app, browser)
    bye = browser.request("GET", "/v2/logout", params={"client_id": app["client_id"], "returnTo": LOGOUT})
    assert bye.status_code == 302 and bye.headers["location"] == LOGOUT
    silent = browser.request(
        "GET",
        "/authorize",
        params={
            "client_id": app["client_id"],
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "code_challenge": pkce_pair()[1],
            "code_challenge_method": "S256",
            "prompt": "none",
            "state": "x",
        },
    )
    assert redirect_params(silent)["error"] == "login_required"


def test_logout_never_redirects_to_an_unlisted_url(server: Server, app: dict) -> None:
    with server.client() as http:
        response = http.get(
            "/v2/logout", params={"client_id": app["client_id"], "returnTo": "https://evil.example/"}
        )
        oidc = http.get(
            "/oidc/logout",
            params={"client_id": app["client_id"], "post_logout_redirect_uri": "https://evil.example/"},
        )
    assert response.status_code == 400 and "location" not in response.headers
    assert oidc.status_code == 400 and "location" not in oidc.headers


def test_oidc_logout_with_id_token_hint(server: Server, app: dict) -> None:
    browser = Browser(server)
    tokens = login(server, app, browser)
    bye = browser.request(
        "GET",
        "/oidc/logout",
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT, "state": "a b"},
    )
    assert bye.status_code == 302 and bye.headers["location"] == LOGOUT + "?state=a+b"
    assert "edgeauth_session" not in browser.cookies


def test_fifty_concurrent_redemptions_one_winner(server: Server, app: dict) -> None:
    verifier, challenge = pkce_pair()
    query = {
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid offline_access",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    code = redirect_params(Browser(server).login(query, EMAIL, PASSWORD))["code"]
    form = {
        "grant_type": "authorization_code",
        "client_id": app["client_id"],
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": CALLBACK,
    }

    def post(data: dict) -> httpx.Response:
        return httpx.post(
            f"{server.base_url}/oauth/token", data=data, headers={"Host": server.domain}, timeout=60
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(post, [form] * 50))
    winners = [r for r in codes if r.status_code == 200]
    assert len(winners) == 1 and all(r.status_code == 403 for r in codes if r not in winners)
    # The losers reused the code, which revoked the refresh token the winner got (RFC 6749 §4.1.2).
    assert (
        post(
            {**form, "grant_type": "refresh_token", "refresh_token": winners[0].json()["refresh_token"]}
        ).status_code
        == 403
    )

    refresh = {
        "grant_type": "refresh_token",
        "client_id": app["client_id"],
        "refresh_token": login(server, app)["refresh_token"],
    }
    with ThreadPoolExecutor(max_workers=50) as pool:
        refreshes = list(pool.map(post, [refresh] * 50))
    assert sum(r.status_code == 200 for r in refreshes) == 1
    assert all(r.status_code in (200, 403) for r in refreshes)


def test_v2_logout_without_client_id_uses_the_tenants_allowed_urls(server: Server, app: dict) -> None:
    with server.client() as http:
        refused = http.get("/v2/logout", params={"returnTo": "https://tenant-wide.example/"})
        assert refused.status_code == 400 and "location" not in refused.headers
        server.cli("tenants", "update", "--logout-urls", "https://tenant-wide.example/")
        allowed = http.get("/v2/logout", params={"returnTo": "https://tenant-wide.example/?x=1"})
    assert allowed.status_code == 302 and allowed.headers["location"] == "https://tenant-wide.example/?x=1"
