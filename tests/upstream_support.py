"""Another edgeauth tenant as the upstream OpenID Connect provider of the default tenant, and a
social login through it, driven over HTTP with two cookie jars (the two hosts)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from auth0.authentication import GetToken

from tests.browser import Browser, code_query, form_state, pkce_pair, redirect_params
from tests.conftest import Server
from tests.mail_support import id_token_claims

CALLBACK = "https://social.example/callback"
CONNECTION = "upstream-idp"
PASSWORD = "upstream password 1"


@dataclass(frozen=True)
class Setup:
    app: dict
    upstream_host: str
    database_user: dict
    idp_app: dict  # the upstream tenant's application for this server


def make_upstream(server: Server) -> Setup:
    """Tenant `up` on `127.0.0.1:<port>` with an app for this server's default tenant and three
    users; the default tenant's `upstream-idp` OIDC connection to it, an app, and database users
    with the verified emails `linked@example.com` and `unverified@example.com`."""
    upstream_host = f"127.0.0.1:{server.port}"
    server.cli("tenants", "create", "up")
    server.cli("tenants", "update", "--dev-mode", "on")  # the upstream listens on loopback
    server.cli("tenants", "add-domain", "--tenant", "up", "--domain", "127.0.0.1")
    idp_app = server.cli(
        "apps",
        "create",
        "--name",
        "Downstream edgeauth",
        "--type",
        "regular",
        "--callbacks",
        f"{server.origin}/login/callback",
        "--tenant",
        "up",
    )
    for email, verified in (
        ("linked@example.com", True),
        ("fresh@example.com", True),
        ("second@example.com", True),
        ("unverified@example.com", False),
    ):
        flags = ["--email-verified"] if verified else []
        server.cli("users", "create", "--email", email, "--password", PASSWORD, "--tenant", "up", *flags)
    server.cli(
        "connections",
        "create",
        "--name",
        CONNECTION,
        "--strategy",
        "oidc",
        "--option",
        f"issuer=http://{upstream_host}/",
        "--option",
        f"client_id={idp_app['client_id']}",
        "--option",
        f"client_secret={idp_app['client_secret']}",
    )
    app = server.cli("apps", "create", "--name", "Social app", "--type", "spa", "--callbacks", CALLBACK)
    database_user = server.cli(
        "users", "create", "--email", "linked@example.com", "--password", "db password 1", "--email-verified"
    )
    server.cli(
        "users",
        "create",
        "--email",
        "unverified@example.com",
        "--password",
        "db password 1",
        "--email-verified",
    )
    return Setup(app, upstream_host, database_user, idp_app)


def social_login(
    server: Server, setup: Setup, email: str, connection: str = CONNECTION, **extra: str
) -> dict[str, str]:
    """The ID token claims of a social login (`social_tokens`)."""
    tokens = social_tokens(server, setup, email, connection, **extra)
    return id_token_claims(server, setup.app, tokens["id_token"])


def social_tokens(
    server: Server, setup: Setup, email: str, connection: str = CONNECTION, **extra: str
) -> dict[str, str]:
    """/authorize?connection= → the upstream's hosted login → /login/callback → the app's callback
    → the code exchanged by the app (auth0-python)."""
    down, answer, verifier = social_callback(server, setup, email, connection, **extra)
    params = redirect_params(answer)
    assert "edgeauth_session" in down.cookies
    return GetToken(server.domain, setup.app["client_id"], protocol="http").authorization_code_pkce(
        verifier, params["code"], CALLBACK
    )


def social_callback(
    server: Server, setup: Setup, email: str, connection: str = CONNECTION, **extra: str
) -> tuple[Browser, httpx.Response, str]:
    """A social login up to `/login/callback`'s answer: the app's browser, that answer, the PKCE
    verifier."""
    verifier, challenge = pkce_pair()
    down, up = Browser(server), Browser(server, host=setup.upstream_host)
    query = code_query(
        setup.app["client_id"], CALLBACK, challenge, scope="openid email", connection=connection, **extra
    )
    to_provider = down.request("GET", "/authorize", params=query)
    assert to_provider.status_code == 302, to_provider.text
    location = urlsplit(to_provider.headers["location"])
    assert location.netloc == setup.upstream_host and location.path == "/authorize"
    page = up.follow(up.request("GET", f"{location.path}?{location.query}"))
    back = up.request(
        "POST", "/u/login", data={"state": form_state(page), "email": email, "password": PASSWORD}
    )
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/login/callback", back.headers["location"]
    return down, down.request("GET", f"{callback.path}?{callback.query}"), verifier
