"""OpenID Connect connections to providers: another edgeauth tenant of the same server (served on
`127.0.0.1:<port>`, its issuer, while the app's tenant is `localhost:<port>`) and npm
`oidc-provider`, which we did not write; account linking by verified email."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from auth0.authentication import GetToken

from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server
from tests.mail_support import id_token_claims
from tests.npm_oidc_provider import npm_oidc_provider, sign_in_upstream
from tests.upstream_support import CALLBACK, CONNECTION, Setup, make_upstream, social_login


@pytest.fixture(scope="module")
def setup(server: Server) -> Setup:
    return make_upstream(server)


def test_verified_email_links_to_the_database_user(server: Server, setup: Setup) -> None:
    claims = social_login(server, setup, "linked@example.com")
    assert claims["sub"] == setup.database_user["user_id"]
    assert social_login(server, setup, "linked@example.com")["sub"] == claims["sub"]  # returning


def test_new_verified_identity_gets_its_own_user_once(server: Server, setup: Setup) -> None:
    claims = social_login(server, setup, "fresh@example.com")
    assert claims["sub"].startswith("oidc|") and claims["email"] == "fresh@example.com"
    assert claims["email_verified"] is True
    assert social_login(server, setup, "fresh@example.com")["sub"] == claims["sub"]


def test_unverified_email_never_links(server: Server, setup: Setup) -> None:
    claims = social_login(server, setup, "unverified@example.com")
    assert claims["sub"].startswith("oidc|") and claims["email_verified"] is False
    assert social_login(server, setup, "unverified@example.com")["sub"] == claims["sub"]


def test_forged_or_foreign_state_is_refused(server: Server, setup: Setup) -> None:
    _, challenge = pkce_pair()
    query = code_query(setup.app["client_id"], CALLBACK, challenge, connection=CONNECTION)
    started = Browser(server).request("GET", "/authorize", params=query)
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    with server.client() as http:
        for params in ({"state": "forged", "code": "x"}, {"state": state, "code": "x"}):  # no binding cookie
            response = http.get("/login/callback", params=params)
            assert response.status_code == 400 and "text/html" in response.headers["content-type"]
        assert (
            http.post(
                "/login/callback", content=b"{", headers={"Content-Type": "application/json"}
            ).status_code
            == 400
        )


def test_upstream_refusal_goes_back_to_the_app(server: Server, setup: Setup) -> None:
    _, challenge = pkce_pair()
    browser = Browser(server)
    query = code_query(setup.app["client_id"], CALLBACK, challenge, connection=CONNECTION, state="s9")
    location = urlsplit(browser.request("GET", "/authorize", params=query).headers["location"])
    state = parse_qs(location.query)["state"][0]
    denied = browser.request(
        "GET",
        "/login/callback",
        params={"state": state, "error": "access_denied", "error_description": "no"},
    )
    assert redirect_params(denied) == {"error": "access_denied", "error_description": "no", "state": "s9"}
    bad_code = browser.request("GET", "/login/callback", params={"state": state, "code": "not-a-code"})
    assert redirect_params(bad_code)["error"] == "access_denied"


def test_connection_must_be_enabled_for_the_app(server: Server, setup: Setup) -> None:
    server.cli("tenants", "create", "noconn")
    other = server.cli(
        "apps",
        "create",
        "--name",
        "No social",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--tenant",
        "noconn",
    )
    _, challenge = pkce_pair()
    query = code_query(other["client_id"], CALLBACK, challenge, connection=CONNECTION)
    assert (
        redirect_params(Browser(server, "noconn").request("GET", "/authorize", params=query))["error"]
        == "invalid_request"
    )


def test_hosted_page_shows_the_connection(server: Server, setup: Setup) -> None:
    _, challenge = pkce_pair()
    page = Browser(server).authorize(code_query(setup.app["client_id"], CALLBACK, challenge))
    assert f"connection={CONNECTION}" in page.text and "Continue with upstream-idp" in page.text


NPM_CONNECTION = "npm-oidc"
NPM_ACCOUNTS = {
    "alice": {
        "email": "alice@example.com",
        "email_verified": True,
        "name": "Alice Liddell",
        "given_name": "Alice",
    },
    "mallory": {"email": "linked@example.com", "email_verified": False, "name": "Mallory"},
}


@pytest.fixture(scope="module")
def npm_issuer(server: Server, setup: Setup) -> Iterator[str]:
    """npm `oidc-provider`, and the default tenant's `npm-oidc` connection to it."""
    secret = secrets.token_urlsafe(24)
    with npm_oidc_provider("edgeauth", secret, f"{server.origin}/login/callback", NPM_ACCOUNTS) as issuer:
        server.cli(
            "connections",
            "create",
            "--name",
            NPM_CONNECTION,
            "--strategy",
            "oidc",
            "--enable-app",
            setup.app["client_id"],
            "--option",
            f"issuer={issuer}",
            "--option",
            "client_id=edgeauth",
            "--option",
            f"client_secret={secret}",
        )
        yield issuer


def npm_login(server: Server, setup: Setup, account: str) -> dict:
    verifier, challenge = pkce_pair()
    down = Browser(server)
    query = code_query(
        setup.app["client_id"], CALLBACK, challenge, scope="openid email profile", connection=NPM_CONNECTION
    )
    to_provider = down.request("GET", "/authorize", params=query)
    assert to_provider.status_code == 302, to_provider.text
    callback = urlsplit(sign_in_upstream(to_provider.headers["location"], account))
    params = redirect_params(down.request("GET", f"{callback.path}?{callback.query}"))
    tokens = GetToken(server.domain, setup.app["client_id"], protocol="http").authorization_code_pkce(
        verifier, params["code"], CALLBACK
    )
    return id_token_claims(server, setup.app, tokens["id_token"])


def test_login_through_npm_oidc_provider(server: Server, setup: Setup, npm_issuer: str) -> None:
    claims = npm_login(server, setup, "alice")
    assert claims["sub"].startswith("oidc|") and claims["email"] == "alice@example.com"
    assert claims["email_verified"] is True and claims["name"] == "Alice Liddell"
    assert npm_login(server, setup, "alice")["sub"] == claims["sub"]


def test_npm_provider_unverified_email_does_not_take_over(
    server: Server, setup: Setup, npm_issuer: str
) -> None:
    claims = npm_login(server, setup, "mallory")  # claims linked@example.com, unverified
    assert claims["sub"] != setup.database_user["user_id"] and claims["email_verified"] is False


def test_a_second_provider_with_the_same_verified_email_links(server: Server, setup: Setup) -> None:
    """A plain OAuth 2.0 connection (`oauth2`: profile from `userinfo_endpoint`) to the same
    upstream: its identity has the same verified email, so it joins the same user."""
    upstream = f"http://{setup.upstream_host}"
    server.cli(
        "connections",
        "create",
        "--name",
        "plain-oauth2",
        "--strategy",
        "oauth2",
        "--enable-app",
        setup.app["client_id"],
        "--option",
        f"authorization_endpoint={upstream}/authorize",
        "--option",
        f"token_endpoint={upstream}/oauth/token",
        "--option",
        f"userinfo_endpoint={upstream}/userinfo",
        "--option",
        "scope=openid email profile",
        "--option",
        f"client_id={setup.idp_app['client_id']}",
        "--option",
        f"client_secret={setup.idp_app['client_secret']}",
    )
    first = social_login(server, setup, "second@example.com")
    second = social_login(server, setup, "second@example.com", connection="plain-oauth2")
    assert second["sub"] == first["sub"]
    identities = server.cli("users", "get", first["sub"])["identities"]
    assert [(i["provider"], i["connection"]) for i in identities] == [
        ("oidc", "upstream-idp"),
        ("oauth2", "plain-oauth2"),
    ]
