"""`/api/v2/users`: CRUD on the users' Durable Objects, lists and search on D1's copy, logins."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.browser import Browser, code_query, form_state, pkce_pair, redirect_params
from tests.conftest import eventually
from tests.management.conftest import Management, grant_management

DB = "Username-Password-Authentication"
PASSWORD = "correct horse battery"
CALLBACK = "https://users-app.example/callback"


def unique_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}@example.com"


def create(api: httpx.Client, email: str, **profile: Any) -> dict[str, Any]:
    response = api.post("/users", json={"connection": DB, "email": email, "password": PASSWORD, **profile})
    assert response.status_code == 201, response.text
    return response.json()


def search(api: httpx.Client, q: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/users", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def search_ids(api: httpx.Client, q: str, expected: int, **params: Any) -> list[str]:
    """The ids matching `q`, once the queue has synced `expected` of them."""
    users = eventually(lambda: search(api, q, **params), lambda found: len(found) >= expected)
    return [user["user_id"] for user in users]


@pytest.fixture(scope="module")
def spa(mgmt: Management) -> dict[str, Any]:
    return mgmt.server.cli("apps", "create", "--name", "Users SPA", "--type", "spa", "--callbacks", CALLBACK)


def login(mgmt: Management, spa: dict[str, Any], email: str, password: str = PASSWORD) -> httpx.Response:
    query = code_query(spa["client_id"], CALLBACK, pkce_pair()[1], state="s")
    return Browser(mgmt.server).login(query, email, password)


def test_create_read_update_delete(mgmt: Management) -> None:
    email = unique_email("crud")
    with mgmt.api() as api:
        user = create(
            api,
            email.upper(),
            given_name="Ada",
            family_name="Lovelace",
            email_verified=True,
            app_metadata={"plan": "gold", "seats": 3},
            user_metadata={"theme": "dark"},
        )
        assert user["email"] == email and user["email_verified"] is True
        assert user["user_id"].startswith("auth0|") and user["given_name"] == "Ada"
        assert user["identities"] == [
            {"connection": DB, "provider": "auth0", "user_id": user["user_id"][6:], "isSocial": False}
        ]
        assert user["created_at"] == user["updated_at"] and "password" not in user
        assert "logins_count" not in user
        again = api.post("/users", json={"connection": DB, "email": email, "password": PASSWORD})
        assert again.status_code == 409 and again.json()["message"] == "The user already exists."

        path = f"/users/{user['user_id']}"
        assert api.get(path).json() == user
        patched = api.patch(
            path,
            json={
                "name": "Ada L.",
                "app_metadata": {"seats": None, "tier": 2},
                "user_metadata": {"lang": "en"},
            },
        )
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert body["name"] == "Ada L." and body["app_metadata"] == {"plan": "gold", "tier": 2}
        assert body["user_metadata"] == {"theme": "dark", "lang": "en"}
        assert api.get(path).json() == body  # read-your-writes: from the user's object
        cleared = api.patch(path, json={"user_metadata": {}, "given_name": None}).json()
        assert cleared["user_metadata"] == {} and "given_name" not in cleared

        assert api.get(path, params={"fields": "email,user_id"}).json() == {
            "email": email,
            "user_id": user["user_id"],
        }
        assert [u["user_id"] for u in api.get("/users-by-email", params={"email": email.upper()}).json()] == [
            user["user_id"]
        ]
        assert api.patch(path, json={"email": email}).json()["email_verified"] is True  # unchanged
        assert api.patch(path, json={}).status_code == 400
        assert api.patch(path, json={"app_metadata": {"a.b": 1}}).status_code == 400
        for null in ("blocked", "email_verified", "app_metadata"):
            assert api.patch(path, json={null: None}).status_code == 400
        assert api.patch(path, json={"password": "x"}).json()["errorCode"] == "invalid_password"
        assert api.patch(path, json={"connection": "nope"}).json()["errorCode"] == "inexistent_connection"

        assert api.delete(path).status_code == 204
        missing = api.get(path)
        assert missing.status_code == 404 and missing.json()["errorCode"] == "inexistent_user"
        assert api.delete(path).status_code == 404
        assert api.patch(path, json={"name": "x"}).status_code == 404
        assert api.get("/users-by-email", params={"email": email}).json() == []
        assert eventually(lambda: search(api, f'email:"{email}"'), lambda found: found == []) == []
        for bad in ("nope", "auth0|not-an-object", "google-oauth2|123"):
            assert api.get(f"/users/{bad}").status_code == 404

        recreated = create(api, email)  # same email: the same object, a fresh profile
        assert recreated["app_metadata"] == {} and recreated["name"] == email
        assert search_ids(api, f'email:"{email}"', 1) == [recreated["user_id"]]


def test_email_change(mgmt: Management, spa: dict[str, Any]) -> None:
    """The user keeps its id; the new email logs in (an alias of the user's object), the old no more."""
    old, new = unique_email("old"), unique_email("new")
    with mgmt.api() as api:
        user = create(api, old, email_verified=True)
        path = f"/users/{user['user_id']}"
        changed = api.patch(path, json={"email": new.upper()})
        assert changed.status_code == 200, changed.text
        assert changed.json()["email"] == new and changed.json()["email_verified"] is False
        assert api.get(path).json()["email"] == new
        assert "code" in redirect_params(login(mgmt, spa, new))
        assert login(mgmt, spa, old).status_code == 400
        assert [u["user_id"] for u in api.get("/users-by-email", params={"email": new}).json()] == [
            user["user_id"]
        ]
        assert api.get("/users-by-email", params={"email": old}).json() == []
        assert search_ids(api, f'email:"{new}"', 1) == [user["user_id"]]
        taken = api.post("/users", json={"connection": DB, "email": new, "password": PASSWORD})
        assert taken.status_code == 409
        other = create(api, unique_email("other"))
        clash = api.patch(f"/users/{other['user_id']}", json={"email": new})
        assert (
            clash.status_code == 400 and clash.json()["message"] == "The specified new email already exists"
        )

        assert api.patch(path, json={"email": old}).json()["email"] == old  # back to its own name
        assert "code" in redirect_params(login(mgmt, spa, old))
        assert login(mgmt, spa, new).status_code == 400
        assert create(api, new)["user_id"] != user["user_id"]  # the new email is free again

        moved = unique_email("moved")
        assert api.patch(path, json={"email": moved}).status_code == 200
        assert api.delete(path).status_code == 204
        assert create(api, moved)["user_id"] != user["user_id"]  # deleting released the alias


def test_payload_errors(mgmt: Management) -> None:
    with mgmt.api() as api:
        missing = api.post("/users", json={"email": unique_email("x"), "password": PASSWORD})
        assert missing.status_code == 400 and "connection" in missing.json()["message"]
        other = api.post(
            "/users", json={"connection": "nope", "email": unique_email("x"), "password": PASSWORD}
        )
        assert other.status_code == 400 and other.json()["errorCode"] == "inexistent_connection"
        bad_email = api.post("/users", json={"connection": DB, "email": "not-an-email", "password": PASSWORD})
        assert bad_email.status_code == 400
        unknown = api.post(
            "/users", json={"connection": DB, "email": unique_email("x"), "password": PASSWORD, "root": 1}
        )
        assert unknown.status_code == 400 and unknown.json()["errorCode"] == "invalid_body"


def test_list_with_totals_pages_until_empty(mgmt: Management) -> None:
    tag = uuid.uuid4().hex[:10]
    with mgmt.api() as api:
        created = {
            create(api, unique_email("page"), app_metadata={"batch": tag})["user_id"] for _ in range(5)
        }
        q = f"app_metadata.batch:{tag}"
        assert set(search_ids(api, q, 5)) == created
        seen: list[str] = []
        for page in range(10):
            body = api.get("/users", params={"q": q, "page": page, "per_page": 2, "include_totals": "true"})
            assert body.status_code == 200, body.text
            listed = body.json()
            assert listed["total"] == 5 and listed["start"] == page * 2 and listed["limit"] == 2
            if not listed["users"]:
                break
            seen += [user["user_id"] for user in listed["users"]]
        assert sorted(seen) == sorted(created) and len(seen) == 5
        assert api.get("/users", params={"page": 10, "per_page": 100}).json()["errorCode"] == (
            "invalid_query_string"
        )


def test_search(mgmt: Management) -> None:
    tag = uuid.uuid4().hex[:10]
    with mgmt.api() as api:
        people = {
            "ada": create(
                api, f"ada.{tag}@math.test", name="Ada Lovelace", app_metadata={"t": tag, "plan": "gold"}
            ),
            "alan": create(
                api,
                f"alan.{tag}@cs.test",
                name="Alan Turing",
                app_metadata={"t": tag, "plan": "silver", "n": 7},
            ),
            "grace": create(api, f"grace.{tag}@cs.test", name="Grace Hopper", app_metadata={"t": tag}),
        }
        ids = {key: user["user_id"] for key, user in people.items()}
        scope = f"app_metadata.t:{tag}"
        today = people["ada"]["created_at"][:10]
        cases = {
            f'email:"ada.{tag}@math.test"': {"ada"},
            f"email:ADA.{tag}@MATH.TEST": {"ada"},
            f'{scope} AND name:"grace hopper"': {"grace"},
            f"email:al*{tag}* AND {scope}": {"alan"},
            f"{scope} AND email:*{tag}@cs.test": {"alan", "grace"},
            f"{scope} AND (app_metadata.plan:gold OR app_metadata.plan:silver)": {"ada", "alan"},
            f"{scope} AND NOT app_metadata.plan:gold": {"alan", "grace"},
            f"{scope} AND _exists_:app_metadata.n": {"alan"},
            f"{scope} AND app_metadata.n:[5 TO 10]": {"alan"},
            f"{scope} AND created_at:[{today} TO {today}]": {"ada", "alan", "grace"},
            f"{scope} AND created_at:{{* TO {today}}}": set(),
            f"{scope} AND email.domain:math.test": {"ada"},
            f"{scope} AND turing": {"alan"},
        }
        search_ids(api, scope, 3)
        for q, expected in cases.items():
            assert set(search_ids(api, q, 0)) == {ids[key] for key in expected}, q
        ordered = search(api, scope, sort="email:-1", fields="email", include_fields="true")
        assert [u["email"] for u in ordered] == sorted((u["email"] for u in people.values()), reverse=True)
        assert all(set(u) == {"email"} for u in ordered)
        without = search(api, scope, fields="identities,app_metadata", include_fields="false")
        assert all("identities" not in u and "email" in u for u in without)
        assert search_ids(api, scope, 1, connection=DB) and search(api, scope, connection="other") == []
        for bad in ("email:", "unknown_field:x", "(email:a", "email:*om", "name:[a TO"):
            response = api.get("/users", params={"q": bad})
            assert response.status_code == 400 and response.json()["errorCode"] == "invalid_query_string", bad
        assert api.get("/users", params={"q": scope, "search_engine": "v2"}).status_code == 400
        assert api.get("/users", params={"q": scope, "sort": "password:1"}).status_code == 400


def test_an_api_user_logs_in_and_a_blocked_one_cannot(mgmt: Management, spa: dict[str, Any]) -> None:
    email = unique_email("login")
    with mgmt.api() as api:
        user = create(api, email)
        assert "code" in redirect_params(login(mgmt, spa, email))
        seen = api.get(f"/users/{user['user_id']}").json()
        assert seen["logins_count"] == 1 and seen["last_login"] >= user["created_at"] and seen["last_ip"]
        synced = eventually(
            lambda: search(api, f'email:"{email}" AND logins_count:1'), lambda found: len(found) == 1
        )
        assert synced[0]["last_login"] == seen["last_login"]
        assert search_ids(api, f'email:"{email}" AND last_login:[{seen["last_login"][:10]} TO *]', 1)

        assert api.patch(f"/users/{user['user_id']}", json={"blocked": True}).json()["blocked"] is True
        refused = login(mgmt, spa, email)
        assert refused.status_code == 400 and "code" not in refused.headers.get("location", "")
        assert search_ids(api, f'email:"{email}" AND blocked:true', 1) == [user["user_id"]]
        api.patch(f"/users/{user['user_id']}", json={"blocked": False, "password": "a new password!"})
        assert login(mgmt, spa, email).status_code == 400
        assert "code" in redirect_params(login(mgmt, spa, email, "a new password!"))


def test_a_signed_up_user_appears_in_search(mgmt: Management, spa: dict[str, Any]) -> None:
    email = unique_email("signup")
    browser = Browser(mgmt.server)
    page = browser.authorize(code_query(spa["client_id"], CALLBACK, pkce_pair()[1]))
    signed_up = browser.request(
        "POST", "/u/signup", data={"state": form_state(page), "email": email, "password": PASSWORD}
    )
    assert "code" in redirect_params(signed_up)
    with mgmt.api() as api:  # `eventually` gives up after 20 s: "within seconds"
        found = eventually(lambda: search(api, f'email:"{email}"'), lambda users: len(users) == 1)
        assert len(found) == 1 and found[0]["logins_count"] == 1


def test_scopes(mgmt: Management) -> None:
    with mgmt.api() as api:
        user = create(api, unique_email("scopes"))
    path = f"/users/{user['user_id']}"
    with mgmt.api(scope="read:users") as reader:
        assert reader.get(path).status_code == 200
        assert reader.patch(path, json={"name": "x"}).status_code == 403
        assert (
            reader.post(
                "/users", json={"connection": DB, "email": unique_email("s"), "password": PASSWORD}
            ).status_code
            == 403
        )
        assert reader.delete(path).status_code == 403
    with mgmt.api(scope="update:users_app_metadata") as metadata:
        assert metadata.patch(path, json={"app_metadata": {"a": 1}}).status_code == 200
        denied = metadata.patch(path, json={"name": "x", "app_metadata": {"a": 2}})
        assert denied.status_code == 403 and denied.json()["errorCode"] == "insufficient_scope"
        assert metadata.get("/users").status_code == 403


def test_tenant_isolation(mgmt: Management) -> None:
    other = grant_management(mgmt.server, f"iso{uuid.uuid4().hex[:6]}")
    email = unique_email("isolated")
    with mgmt.api() as mine, other.api() as theirs:
        user = create(mine, email, app_metadata={"secret": "yes"})
        path = f"/users/{user['user_id']}"
        assert theirs.get(path).status_code == 404
        assert theirs.patch(path, json={"name": "stolen"}).status_code == 404
        assert theirs.delete(path).status_code == 404
        assert theirs.get("/users-by-email", params={"email": email}).json() == []
        assert search_ids(mine, f'email:"{email}"', 1) == [user["user_id"]]
        assert search(theirs, f'email:"{email}"') == [] and search(theirs, "app_metadata.secret:yes") == []
        same_email = create(theirs, email)  # one email, two tenants: two users
        assert same_email["user_id"] != user["user_id"]
        assert mine.get(path).json()["name"] == email and mine.get(path).json()["app_metadata"] == {
            "secret": "yes"
        }
