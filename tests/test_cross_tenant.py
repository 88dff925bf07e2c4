"""Tenants are the trust boundary (docs/security.md): every credential tenant `ta` issues is worth
nothing on tenant `tb`, which has a user with the same email and the same kinds of apps.

Each credential is first shown to work on `ta`, then presented to `tb` at every endpoint that takes
it: the answer is that endpoint's ordinary refusal, never a token, a profile or a redirect with
`ta`'s data. The security review found a session cookie of one tenant accepted by every other one
(`/authorize?prompt=none` → code → ID token with the other tenant's user; `/userinfo` likewise).
Both modes, but for the Management API rows (the edge host does not serve `/api/v2`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from edgeauth import management_api
from tests.browser import Browser, code_query, form_state, pkce_pair, redirect_params
from tests.conftest import Server
from tests.mail_support import email_code, email_link

EMAIL, PASSWORD = "same@example.com", "the same password 1"
DATABASE = "Username-Password-Authentication"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
OTP = "http://auth0.com/oauth/grant-type/passwordless/otp"
CALLBACK = "https://same.example/callback"
ORIGIN = "https://same.example"
TENANTS = ("ta", "tb")


@dataclass(frozen=True)
class Tenant:
    name: str
    spa: dict
    native: dict
    m2m: dict
    user: dict


def make_tenant(server: Server, name: str) -> Tenant:
    """A user with EMAIL, a SPA (cross-origin login on), a native app with the password, OTP and
    refresh grants, the email connection, and an M2M app for the tenant's Management API."""
    t = ("--tenant", name)
    server.cli("tenants", "create", name)
    user = server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD, "--email-verified", *t)
    spa_flags = ("--callbacks", CALLBACK, "--web-origins", ORIGIN, "--cross-origin")
    spa = server.cli("apps", "create", "--name", "SPA", "--type", "spa", *spa_flags, *t)
    grants = f"authorization_code,refresh_token,password,{PASSWORD_REALM},{OTP}"
    native_flags = ("--callbacks", CALLBACK, "--grants", grants)
    native = server.cli("apps", "create", "--name", "Native", "--type", "native", *native_flags, *t)
    apps = ("--enable-app", spa["client_id"], "--enable-app", native["client_id"])
    server.cli("connections", "create", "--name", "email", "--strategy", "email", *apps, *t)
    m2m = server.cli("apps", "create", "--name", "Mgmt", "--type", "m2m", *t)
    scopes = ("--scopes", "read:users,update:users")
    server.cli(
        "apps", "authorize", "--app", m2m["client_id"], "--api", management_api.IDENTIFIER, *scopes, *t
    )
    return Tenant(name, spa, native, m2m, user)


@pytest.fixture(scope="module")
def tenants(server: Server) -> dict[str, Tenant]:
    return {name: make_tenant(server, name) for name in TENANTS}


def http(server: Server, tenant: str) -> httpx.Client:
    return server.client(tenant)


def token_request(server: Server, tenant: str, form: dict[str, str]) -> httpx.Response:
    with http(server, tenant) as client:
        return client.post("/oauth/token", data=form)


GRANTED = re.compile(r'"(access_token|id_token|refresh_token|code)"\s*:')


def assert_refused(response: httpx.Response, *statuses: int) -> None:
    """An ordinary refusal: the status expected, and nothing of a grant in the answer."""
    assert response.status_code in statuses, (response.status_code, response.text)
    assert not GRANTED.search(response.text) and EMAIL not in response.text, response.text
    location = response.headers.get("location", "")
    assert "code=" not in location and "access_token=" not in location and "id_token=" not in location


def native_login(
    server: Server, tenant: Tenant, password: str = PASSWORD, scope: str = "openid email offline_access"
) -> httpx.Response:
    """The password-realm grant on the tenant's host (auth0-python cannot reach `*.localhost`
    here: the machine's resolver does not know it; Host headers do the same over loopback)."""
    form = {
        "grant_type": PASSWORD_REALM,
        "client_id": tenant.native["client_id"],
        "username": EMAIL,
        "password": password,
        "realm": DATABASE,
        "scope": scope,
    }
    return token_request(server, tenant.name, form)


def post_json(server: Server, tenant: str, path: str, body: dict[str, Any]) -> httpx.Response:
    with http(server, tenant) as client:
        response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response


def test_a_session_cookie_of_one_tenant_signs_in_nobody_on_another(
    server: Server, tenants: dict[str, Tenant]
) -> None:
    a, b = tenants["ta"], tenants["tb"]
    home = Browser(server, "ta")
    _, challenge = pkce_pair()
    assert "code" in redirect_params(
        home.login(code_query(a.spa["client_id"], CALLBACK, challenge), EMAIL, PASSWORD)
    )
    session = home.cookies["edgeauth_session"]
    silent = {"prompt": "none", "state": "s"}
    assert "code" in redirect_params(
        home.authorize(code_query(a.spa["client_id"], CALLBACK, challenge, **silent))
    )

    stranger = Browser(server, "tb")
    stranger.set_cookie("edgeauth_session", session)
    for response_type in ("code", "id_token token", "token"):
        query = code_query(b.spa["client_id"], CALLBACK, challenge, **silent, response_type=response_type)
        query["nonce"] = "n"
        response = stranger.request("GET", "/authorize", params=query)
        assert_refused(response, 302)
        assert "error=login_required" in response.headers["location"]
    # A logout on tb does not end ta's session either.
    assert stranger.request("GET", "/v2/logout").status_code in (200, 302)
    assert "code" in redirect_params(
        home.authorize(code_query(a.spa["client_id"], CALLBACK, challenge, **silent))
    )


def test_a_login_transaction_of_one_tenant_is_refused_by_another(
    server: Server, tenants: dict[str, Tenant]
) -> None:
    a = tenants["ta"]
    browser = Browser(server, "ta")
    _, challenge = pkce_pair()
    page = browser.authorize(code_query(a.spa["client_id"], CALLBACK, challenge))
    state = form_state(page)
    elsewhere = Browser(server, "tb")
    elsewhere.set_cookie("edgeauth_tx", browser.cookies["edgeauth_tx"])
    posted = elsewhere.request(
        "POST", "/u/login", data={"state": state, "email": EMAIL, "password": PASSWORD}
    )
    assert_refused(posted, 400)


def test_codes_refresh_and_access_tokens_stay_home(server: Server, tenants: dict[str, Tenant]) -> None:
    a, b = tenants["ta"], tenants["tb"]
    verifier, challenge = pkce_pair()
    code = redirect_params(
        Browser(server, "ta").login(code_query(a.native["client_id"], CALLBACK, challenge), EMAIL, PASSWORD)
    )["code"]
    for client_id in (a.native["client_id"], b.native["client_id"]):
        form = {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        }
        assert_refused(token_request(server, "tb", form), 401, 403)

    tokens = native_login(server, a).json()
    for client_id in (a.native["client_id"], b.native["client_id"]):
        form = {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "refresh_token": tokens["refresh_token"],
        }
        assert_refused(token_request(server, "tb", form), 401, 403)
        with http(server, "tb") as client:
            client.post("/oauth/revoke", data={"client_id": client_id, "token": tokens["refresh_token"]})
    home = {"grant_type": "refresh_token", "client_id": a.native["client_id"]}
    refreshed = token_request(server, "ta", {**home, "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text  # tb's revocation did nothing

    for path in ("/userinfo",):
        with http(server, "tb") as client:
            assert_refused(
                client.get(path, headers={"Authorization": f"Bearer {tokens['access_token']}"}), 401
            )
        with http(server, "ta") as client:
            assert (
                client.get(path, headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code
                == 200
            )


def test_an_id_token_of_one_tenant_is_no_hint_on_another(server: Server, tenants: dict[str, Tenant]) -> None:
    id_token = native_login(server, tenants["ta"]).json()["id_token"]
    with http(server, "tb") as client:
        response = client.get(
            "/oidc/logout", params={"id_token_hint": id_token, "post_logout_redirect_uri": CALLBACK}
        )
    assert_refused(response, 400)


def test_login_tickets_links_codes_and_email_tickets_stay_home(
    server: Server, tenants: dict[str, Tenant]
) -> None:
    a, b = tenants["ta"], tenants["tb"]
    _, challenge = pkce_pair()

    # A login ticket from ta's /co/authenticate, redeemed at tb's /authorize.
    browser = Browser(server, "ta")
    body = {
        "client_id": a.spa["client_id"],
        "username": EMAIL,
        "password": PASSWORD,
        "realm": DATABASE,
        "credential_type": PASSWORD_REALM,
    }
    ticket = browser.request("POST", "/co/authenticate", json=body, headers={"Origin": ORIGIN}).json()[
        "login_ticket"
    ]
    there = Browser(server, "tb")
    for cookie in browser.jar:
        there.set_cookie(cookie.name, cookie.value or "")
    response = there.request(
        "GET", "/authorize", params=code_query(b.spa["client_id"], CALLBACK, challenge, login_ticket=ticket)
    )
    assert_refused(response, 302)
    assert "error=access_denied" in response.headers["location"]

    # An email code sent by ta, used at tb's OTP grant (tb has a user with the same email).
    start = {"client_id": a.native["client_id"], "connection": "email", "email": EMAIL, "send": "code"}
    post_json(server, "ta", "/passwordless/start", start)
    code = email_code(server, EMAIL, tenant="ta")
    form = {"grant_type": OTP, "client_id": b.native["client_id"], "username": EMAIL, "otp": code}
    assert_refused(token_request(server, "tb", {**form, "realm": "email"}), 403)

    # A magic link sent by ta, followed on tb.
    with http(server, "ta") as client:
        started = client.post(
            "/passwordless/start",
            json={
                "client_id": a.native["client_id"],
                "connection": "email",
                "email": EMAIL,
                "send": "link",
                "authParams": {
                    "redirect_uri": CALLBACK,
                    "response_type": "code",
                    "scope": "openid",
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            },
        )
        assert started.status_code == 200, started.text
    link = email_link(server, EMAIL, count=2, tenant="ta")
    with http(server, "tb") as client:
        assert_refused(client.get(link), 400)

    # A reset ticket of ta, spent (or not) at tb's /lo/reset.
    reset_request = {"client_id": a.native["client_id"], "email": EMAIL, "connection": DATABASE}
    post_json(server, "ta", "/dbconnections/change_password", reset_request)
    reset = parse_qs(urlsplit(email_link(server, EMAIL, count=3, tenant="ta")).query)["ticket"][0]
    with http(server, "tb") as client:
        new = {"ticket": reset, "password": "taken over 123", "confirm": "taken over 123"}
        assert_refused(client.post("/lo/reset", data=new), 400)
    assert native_login(server, b, "taken over 123").json()["error_description"] == "Wrong email or password."
    with http(server, "ta") as client:  # still good at home
        good = {
            "ticket": reset,
            "password": PASSWORD,
            "confirm": PASSWORD,
        }  # the same one: later tests log in
        assert client.post("/lo/reset", data=good).status_code == 200

    # A verification ticket of ta's signup, used at tb.
    fresh = "verify-cross@example.com"
    signup = {
        "client_id": a.native["client_id"],
        "email": fresh,
        "password": PASSWORD,
        "connection": DATABASE,
    }
    post_json(server, "ta", "/dbconnections/signup", signup)
    verify = email_link(server, fresh, tenant="ta")
    with http(server, "tb") as client:
        assert client.get(verify).status_code == 400
    with http(server, "ta") as client:
        assert client.get(verify).status_code == 200


def management_token(server: Server, tenant: Tenant) -> str:
    """A client-credentials token of the tenant's M2M app for its own Management API."""
    form = {
        "grant_type": "client_credentials",
        "client_id": tenant.m2m["client_id"],
        "client_secret": tenant.m2m["client_secret"],
        "audience": f"http://{tenant.name}.localhost:{server.port}/api/v2/",
    }
    return token_request(server, tenant.name, form).json()["access_token"]


def test_a_management_token_of_one_tenant_is_refused_by_another(
    server: Server, tenants: dict[str, Tenant]
) -> None:
    if server.mode == "edge":
        pytest.skip("the edge host does not serve /api/v2 (501)")
    a, b = tenants["ta"], tenants["tb"]
    token = management_token(server, a)
    with http(server, "ta") as client:
        assert client.get("/api/v2/users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with http(server, "tb") as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert_refused(client.get("/api/v2/users", headers=headers), 401)
        assert_refused(client.get(f"/api/v2/users/{b.user['user_id']}", headers=headers), 401)
        # ta's user id presented to tb's API (with tb's own token) names nobody there.
        own = management_token(server, b)
        foreign = client.get(f"/api/v2/users/{a.user['user_id']}", headers={"Authorization": f"Bearer {own}"})
        assert foreign.status_code == 404
        id_token = native_login(server, a).json()["id_token"]
        linked = client.post(
            f"/api/v2/users/{b.user['user_id']}/identities",
            json={"link_with": id_token},
            headers={"Authorization": f"Bearer {own}"},
        )
        assert linked.status_code == 400


def test_a_user_id_of_one_tenant_reads_nothing_of_another(server: Server, tenants: dict[str, Tenant]) -> None:
    """The user's object refuses a call for another tenant even when given the right id."""
    a = tenants["ta"]
    with pytest.raises(AssertionError):
        server.cli("users", "get", a.user["user_id"], "--tenant", "tb")
    assert server.cli("users", "get", a.user["user_id"], "--tenant", "ta")["email"] == EMAIL
