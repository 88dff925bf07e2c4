"""Moving users in from Auth0: `POST /users` with `user_id` and a hash, the users-imports and
users-exports jobs (Auth0's bulk-import schema), logins with imported hashes, and their upgrade."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
from typing import Any

import argon2
import bcrypt
import httpx
import pytest
from auth0.authentication import GetToken
from auth0.authentication.exceptions import Auth0Error

from tests.conftest import Server, eventually
from tests.management.conftest import Management, claims, grant_management

DB = "Username-Password-Authentication"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
OLD_PASSWORD = "the password from before"
USERS = 10_000
EXPORT_FIELDS = [
    {"name": name}
    for name in ("user_id", "email", "email_verified", "name", "app_metadata", "custom_password_hash")
]


def b64(raw: bytes) -> str:
    """PHC's B64: standard alphabet, no padding."""
    return base64.b64encode(raw).decode().rstrip("=")


@pytest.fixture(scope="module")
def hashes() -> dict[str, dict[str, Any]]:
    """`custom_password_hash` objects of OLD_PASSWORD in each algorithm, made by their own libraries."""
    salt = b"0123456789abcdef"
    pbkdf2 = hashlib.pbkdf2_hmac("sha512", OLD_PASSWORD.encode(), salt, 100_000, 64)
    return {
        "bcrypt": {
            "algorithm": "bcrypt",
            "hash": {"value": bcrypt.hashpw(OLD_PASSWORD.encode(), bcrypt.gensalt(10)).decode()},
        },
        "pbkdf2": {
            "algorithm": "pbkdf2",
            "hash": {"value": f"$pbkdf2-sha512$i=100000,l=64${b64(salt)}${b64(pbkdf2)}", "encoding": "utf8"},
        },
        "argon2": {"algorithm": "argon2", "hash": {"value": argon2.PasswordHasher().hash(OLD_PASSWORD)}},
        "sha256": {
            "algorithm": "sha256",
            "hash": {
                "value": hashlib.sha256(b"pepper" + OLD_PASSWORD.encode()).hexdigest(),
                "encoding": "hex",
            },
            "salt": {"value": "pepper", "position": "prefix"},
        },
        "sha512": {
            "algorithm": "sha512",
            "hash": {
                "value": base64.b64encode(hashlib.sha512(OLD_PASSWORD.encode() + b"s").digest()).decode(),
                "encoding": "base64",
            },
            "salt": {"value": "cw==", "encoding": "base64", "position": "suffix"},
        },
        "md5": {
            "algorithm": "md5",
            "hash": {
                "value": hashlib.md5(OLD_PASSWORD.encode(), usedforsecurity=False).hexdigest().upper(),
                "encoding": "hex",
            },
        },
    }


@pytest.fixture(scope="module")
def native(mgmt: Management) -> dict[str, Any]:
    grants = ["password", PASSWORD_REALM, "refresh_token"]
    return mgmt.server.cli(
        "apps", "create", "--name", "Import Native", "--type", "native", "--grants", ",".join(grants)
    )


def login(mgmt: Management, app: dict[str, Any], email: str, password: str = OLD_PASSWORD) -> dict[str, Any]:
    """A password-realm login with auth0-python, its ID token's claims."""
    get_token = GetToken(mgmt.host, app["client_id"], protocol="http")
    return claims(get_token.login(email, password, realm=DB, scope="openid email")["id_token"])


def tenant_login(server: Server, tenant: str, app: dict[str, Any], email: str) -> dict[str, Any]:
    """The same login on another tenant's host (auth0-python cannot resolve `*.localhost`)."""
    form = {"grant_type": PASSWORD_REALM, "realm": DB, "client_id": app["client_id"], "username": email}
    with server.client(tenant) as http:
        response = http.post("/oauth/token", data={**form, "password": OLD_PASSWORD, "scope": "openid"})
    assert response.status_code == 200, response.text
    return claims(response.json()["id_token"])


def exported_hashes(mgmt: Management, *emails: str) -> list[dict[str, Any]]:
    """Run a users export with password hashes and read its file (NDJSON, gzipped), once D1's copy
    (which exports read, as user search does) has the users with these emails."""
    with mgmt.api() as api:
        for email in emails:
            search = {"q": f'email:"{email}"'}
            assert eventually(lambda search=search: api.get("/users", params=search).json(), bool), email
        job = api.post("/jobs/users-exports", json={"format": "json", "fields": EXPORT_FIELDS})
        assert job.status_code == 200, job.text
        done = wait_for_job(api, job.json()["id"])
    download = httpx.get(done["location"], headers={"Host": mgmt.host}, timeout=60)
    assert download.status_code == 200 and download.headers["content-type"] == "application/gzip"
    return [json.loads(line) for line in gzip.decompress(download.content).decode().splitlines()]


def wait_for_job(api: httpx.Client, job_id: str, seconds: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        job = api.get(f"/jobs/{job_id}").json()
        if job["status"] != "pending" or time.monotonic() > deadline:
            assert job["status"] == "completed", job
            return job
        time.sleep(0.5)


def import_file(api: httpx.Client, connection_id: str, users: list[Any], **form: str) -> httpx.Response:
    files = {"users": ("users.json", json.dumps(users).encode(), "application/json")}
    return api.post("/jobs/users-imports", data={"connection_id": connection_id, **form}, files=files)


def database_id(api: httpx.Client) -> str:
    return next(c["id"] for c in api.get("/connections").json() if c["name"] == DB)


def test_post_users_keeps_the_id_and_the_bcrypt_hash(
    mgmt: Management, native: dict[str, Any], hashes: dict[str, Any]
) -> None:
    with mgmt.api() as api:
        body = {"connection": DB, "email": "kept@example.com", "user_id": "5f7c8ec7c33c6c004bbafe82"}
        created = api.post("/users", json={**body, "password_hash": hashes["bcrypt"]["hash"]["value"]})
        assert created.status_code == 201, created.text
        user_id = created.json()["user_id"]
        assert user_id == "auth0|5f7c8ec7c33c6c004bbafe82"
        assert created.json()["identities"][0]["user_id"] == "5f7c8ec7c33c6c004bbafe82"
        assert api.get(f"/users/{user_id}").json()["email"] == "kept@example.com"
        again = api.post("/users", json={**body, "email": "other@example.com", "password": "a fine password"})
        assert again.status_code == 409
        both = api.post("/users", json={**body, "password": "a fine password", "password_hash": "$2b$10$x"})
        assert both.status_code == 400
        bad = api.post("/users", json={**body, "email": "bad@example.com", "password_hash": "$1$not-bcrypt"})
        assert bad.status_code == 400 and "bcrypt" in bad.json()["message"]
    assert login(mgmt, native, "kept@example.com")["sub"] == user_id
    with pytest.raises(Auth0Error) as wrong:
        login(mgmt, native, "kept@example.com", "not the password")
    assert wrong.value.error_code == "invalid_grant"
    # The first login replaced the bcrypt hash with the tenant's own PBKDF2.
    [line] = [
        line for line in exported_hashes(mgmt, "kept@example.com") if line["email"] == "kept@example.com"
    ]
    assert line["custom_password_hash"]["hash"]["value"].startswith("$pbkdf2-sha256$i=100000,l=32$")
    assert login(mgmt, native, "kept@example.com")["sub"] == user_id


def test_every_supported_algorithm_verifies_once_and_is_upgraded(
    mgmt: Management, native: dict[str, Any], hashes: dict[str, Any]
) -> None:
    with mgmt.api() as api:
        for name, custom in hashes.items():
            body = {"connection": DB, "email": f"algo-{name}@example.com", "custom_password_hash": custom}
            assert api.post("/users", json=body).status_code == 201, name
    for name in hashes:
        with pytest.raises(Auth0Error):
            login(mgmt, native, f"algo-{name}@example.com", "wrong")
        assert login(mgmt, native, f"algo-{name}@example.com")["email"] == f"algo-{name}@example.com"
    lines = {
        line["email"]: line
        for line in exported_hashes(mgmt, *(f"algo-{name}@example.com" for name in hashes))
    }
    for name in hashes:
        assert lines[f"algo-{name}@example.com"]["custom_password_hash"]["algorithm"] == "pbkdf2", name


def test_a_10000_user_import_exports_and_moves_to_a_fresh_tenant(
    mgmt: Management, native: dict[str, Any], hashes: dict[str, Any]
) -> None:
    kinds = ("bcrypt", "pbkdf2")
    users: list[Any] = [
        {
            "email": f"bulk{index}@example.com",
            "user_id": f"legacy-{index}",
            "email_verified": True,
            "name": f"Bulk {index}",
            "app_metadata": {"plan": "gold", "index": index},
            "custom_password_hash": hashes[kinds[index % 2]],
        }
        for index in range(USERS - 5)
    ]
    broken = [
        {"email": "not-an-email", "user_id": "broken-1"},
        {"user_id": "broken-2"},
        {
            "email": "b3@example.com",
            "custom_password_hash": {"algorithm": "scrypt", "hash": {"value": "00", "encoding": "hex"}},
        },
        {"email": "b4@example.com", "app_metadata": {"user_id": "x"}},
        {"email": "bulk1@example.com", "user_id": "someone-else"},  # a duplicate within the file
    ]
    with mgmt.api() as api:
        response = import_file(api, database_id(api), users + broken, external_id="ext-1")
        assert response.status_code == 202, response.text
        created = response.json()
        assert (created["type"], created["status"], created["external_id"]) == (
            "users_import",
            "pending",
            "ext-1",
        )
        job = wait_for_job(api, created["id"])
        assert job["summary"] == {"failed": 5, "updated": 0, "inserted": USERS - 5, "total": USERS}
        errors = api.get(f"/jobs/{created['id']}/errors").json()
        assert sorted(error["user"].get("user_id", "") for error in errors) == sorted(
            user.get("user_id", "") for user in broken
        )
        assert {error["errors"][0]["code"] for error in errors} >= {
            "OBJECT_REQUIRED",
            "DUPLICATED_USER",
            "NOT_PASSED",
        }
        scrypt = next(error for error in errors if error["user"].get("email") == "b3@example.com")
        assert scrypt["user"]["custom_password_hash"]["hash"]["value"] == "*****"

    for index in (0, 1, 7_777):
        assert login(mgmt, native, f"bulk{index}@example.com")["sub"] == f"auth0|legacy-{index}"

    exported = exported_hashes(mgmt, *(f"bulk{index}@example.com" for index in (0, USERS // 2, USERS - 6)))
    bulk = sorted(
        (line for line in exported if line["email"].startswith("bulk")), key=lambda line: line["email"]
    )
    assert len(bulk) == USERS - 5
    upgraded = {line["email"]: line["custom_password_hash"]["hash"]["value"][:15] for line in bulk}
    assert upgraded["bulk0@example.com"] == upgraded["bulk1@example.com"] == "$pbkdf2-sha256$"
    assert upgraded["bulk3@example.com"].startswith("$pbkdf2-sha512$") and upgraded[
        "bulk2@example.com"
    ].startswith("$2b$")

    fresh = grant_management(mgmt.server, "importfresh")
    fresh_app = fresh.server.cli(
        "apps",
        "create",
        "--name",
        "Fresh Native",
        "--type",
        "native",
        "--grants",
        f"password,{PASSWORD_REALM}",
        "--tenant",
        "importfresh",
    )
    with fresh.api() as api:
        response = import_file(api, database_id(api), bulk)
        assert response.status_code == 202, response.text
        job = wait_for_job(api, response.json()["id"])
        assert job["summary"] == {"failed": 0, "updated": 0, "inserted": USERS - 5, "total": USERS - 5}
        assert api.get(f"/jobs/{response.json()['id']}/errors").status_code == 204
        moved = api.get("/users/auth0|legacy-7777").json()
        assert moved["app_metadata"] == {"plan": "gold", "index": 7777} and moved["email_verified"] is True
    for index in (0, 2, 7_777):
        found = tenant_login(fresh.server, "importfresh", fresh_app, f"bulk{index}@example.com")
        assert found["sub"] == f"auth0|legacy-{index}"
