"""Lazy migration (Auth0 `import_mode`): a login for a user unknown here is checked at the upstream
tenant (another edgeauth tenant speaking Auth0's API: the default one of the same server), and
the user is created here with the upstream id; from then on upstream is not asked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.management.conftest import Management, claims, grant_management

DB = "Username-Password-Authentication"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
PASSWORD, CHANGED = "upstream password 1", "upstream password 2"
TENANT = "lazytenant"


@pytest.fixture(scope="module")
def upstream(mgmt: Management) -> dict[str, Any]:
    """The upstream tenant's users and the application the downstream one logs in with."""
    with mgmt.api() as api:
        users = {
            name: api.post(
                "/users",
                json={
                    "connection": DB,
                    "email": f"{name}@lazy.example",
                    "password": PASSWORD,
                    "name": name.title(),
                },
            ).json()
            for name in ("alice", "bob")
        }
    app = mgmt.server.cli(
        "apps", "create", "--name", "Migration", "--type", "regular", "--grants", PASSWORD_REALM
    )
    return {"users": users, "app": app}


@pytest.fixture(scope="module")
def downstream(mgmt: Management, upstream: dict[str, Any]) -> tuple[Management, dict[str, Any]]:
    here = grant_management(mgmt.server, TENANT)
    with here.api() as api:
        database = next(c for c in api.get("/connections").json() if c["name"] == DB)
        options = {
            **database["options"],
            "import_mode": True,
            "upstream_domain": mgmt.server.base_url.replace("127.0.0.1", "localhost"),
            "client_id": upstream["app"]["client_id"],
            "client_secret": upstream["app"]["client_secret"],
        }
        patched = api.patch(f"/connections/{database['id']}", json={"options": options})
        assert patched.status_code == 200, patched.text
    app = mgmt.server.cli(
        "apps", "create", "--name", "Here", "--type", "native", "--grants", PASSWORD_REALM, "--tenant", TENANT
    )
    return here, app


def login(here: Management, app: dict[str, Any], email: str, password: str) -> httpx.Response:
    form = {"grant_type": PASSWORD_REALM, "realm": DB, "client_id": app["client_id"], "scope": "openid"}
    with here.server.client(TENANT) as http:
        return http.post("/oauth/token", data={**form, "username": email, "password": password})


def test_a_user_known_upstream_moves_in_at_the_first_login(
    mgmt: Management, upstream: dict[str, Any], downstream: tuple[Management, dict[str, Any]]
) -> None:
    here, app = downstream
    alice = upstream["users"]["alice"]
    first = login(here, app, "alice@lazy.example", PASSWORD)
    assert first.status_code == 200, first.text
    assert claims(first.json()["id_token"])["sub"] == alice["user_id"]
    with here.api() as api:
        [moved] = api.get("/users-by-email", params={"email": "alice@lazy.example"}).json()
    assert (moved["user_id"], moved["name"]) == (alice["user_id"], "Alice")

    # Upstream's password changes; here the user is local now: the old password still works.
    with mgmt.api() as api:
        assert api.patch(f"/users/{alice['user_id']}", json={"password": CHANGED}).status_code == 200
    assert login(here, app, "alice@lazy.example", PASSWORD).status_code == 200
    refused = login(here, app, "alice@lazy.example", CHANGED)
    assert (refused.status_code, refused.json()["error"]) == (403, "invalid_grant")


def test_a_wrong_password_creates_nothing(downstream: tuple[Management, dict[str, Any]]) -> None:
    here, app = downstream
    for email in ("bob@lazy.example", "nobody@lazy.example"):
        refused = login(here, app, email, "not the password")
        assert refused.status_code == 403
        assert refused.json() == {"error": "invalid_grant", "error_description": "Wrong email or password."}
        with here.api() as api:
            assert api.get("/users-by-email", params={"email": email}).json() == []
    assert login(here, app, "bob@lazy.example", PASSWORD).status_code == 200


def test_an_upstream_that_is_not_public_is_refused_when_configured(
    downstream: tuple[Management, dict[str, Any]],
) -> None:
    here, _ = downstream
    other = grant_management(here.server, "lazyprod")
    here.server.cli("tenants", "update", "--dev-mode", "off", "--tenant", "lazyprod")
    with other.api() as api:
        database = next(c for c in api.get("/connections").json() if c["name"] == DB)
        for domain in ("169.254.169.254", "http://127.0.0.1:8080", "10.0.0.7"):
            options = {**database["options"], "import_mode": True, "upstream_domain": domain}
            refused = api.patch(f"/connections/{database['id']}", json={"options": options})
            assert refused.status_code == 400, (domain, refused.text)


def test_an_upstream_refresh_token_is_exchanged_once(
    mgmt: Management, upstream: dict[str, Any], downstream: tuple[Management, dict[str, Any]]
) -> None:
    """A signed-in user of the upstream tenant stays signed in: the app (same client_id here, as a
    copied tenant keeps it) presents its upstream refresh token and gets tokens of ours. The user,
    made here without a password, takes theirs at their first password login."""
    here, password_app = downstream
    grants = f"{PASSWORD_REALM},refresh_token"
    app = mgmt.server.cli("apps", "create", "--name", "Mobile", "--type", "native", "--grants", grants)
    with mgmt.api() as api:
        carol = api.post(
            "/users", json={"connection": DB, "email": "carol@lazy.example", "password": PASSWORD}
        ).json()
    form = {
        "grant_type": PASSWORD_REALM,
        "realm": DB,
        "client_id": app["client_id"],
        "scope": "openid email offline_access",
    }
    with mgmt.server.client() as http:
        signed_in = http.post(
            "/oauth/token", data={**form, "username": "carol@lazy.example", "password": PASSWORD}
        )
    upstream_token = signed_in.json()["refresh_token"]
    with here.api() as api:
        copied = {
            "name": "Mobile",
            "app_type": "native",
            "client_id": app["client_id"],
            "grant_types": ["refresh_token"],
        }
        assert api.post("/clients", json=copied).status_code == 201

    refresh = {"grant_type": "refresh_token", "client_id": app["client_id"]}
    with here.server.client(TENANT) as http:
        exchanged = http.post("/oauth/token", data={**refresh, "refresh_token": upstream_token})
        assert exchanged.status_code == 200, exchanged.text
        ours = exchanged.json()
        assert claims(ours["id_token"])["sub"] == carol["user_id"] and ours["refresh_token"] != upstream_token
        assert (
            http.post("/oauth/token", data={**refresh, "refresh_token": ours["refresh_token"]}).status_code
            == 200
        )
        again = http.post("/oauth/token", data={**refresh, "refresh_token": upstream_token})
        assert (again.status_code, again.json()["error"]) == (403, "invalid_grant")
    with here.api() as api:
        [moved] = api.get("/users-by-email", params={"email": "carol@lazy.example"}).json()
    assert moved["user_id"] == carol["user_id"]
    assert login(here, password_app, "carol@lazy.example", "not it").status_code == 403
    first = login(here, password_app, "carol@lazy.example", PASSWORD)
    assert first.status_code == 200 and claims(first.json()["id_token"])["sub"] == carol["user_id"]
