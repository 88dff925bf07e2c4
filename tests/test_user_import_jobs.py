"""A users import in both runtimes: the job runs on the queue in parts, each user through its object;
imported bcrypt and PBKDF2 hashes verify at the first login (under Pyodide too) and are replaced.

The edge host has no Management API (no pydantic offline), so the job is started with the CLI's
`users import`, which calls the same job code as `POST /api/v2/jobs/users-imports`."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from tests.conftest import Server

DB = "Username-Password-Authentication"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
OLD, NEW = "the old password", "a brand new password"
USERS = int(os.environ.get("EDGEAUTH_IMPORT_USERS", "10000"))


def phc_pbkdf2(password: str) -> str:
    salt = b"sixteen byte slt"
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000, 32)
    encode = lambda raw: base64.b64encode(raw).decode().rstrip("=")  # noqa: E731
    return f"$pbkdf2-sha256$i=100000,l=32${encode(salt)}${encode(digest)}"


def custom(kind: str, password: str) -> dict[str, Any]:
    if kind == "bcrypt":
        value = bcrypt.hashpw(password.encode(), bcrypt.gensalt(10)).decode()
    else:
        value = phc_pbkdf2(password)
    return {"algorithm": kind, "hash": {"value": value, "encoding": "utf8"}}


@pytest.fixture(scope="module")
def native(server: Server) -> dict[str, Any]:
    return server.cli(
        "apps", "create", "--name", "Importer", "--type", "native", "--grants", f"password,{PASSWORD_REALM}"
    )


def run_import(server: Server, folder: Path, users: list[Any], *flags: str) -> dict[str, Any]:
    path = folder / f"users-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(users))
    job = server.cli("users", "import", str(path), *flags)
    assert (job["type"], job["status"]) == ("users_import", "pending")
    deadline = time.monotonic() + 1800
    while (state := server.cli("users", "job", job["id"]))["status"] == "pending":
        assert time.monotonic() < deadline, state
        time.sleep(1)
    return state


def login(server: Server, app: dict[str, Any], email: str, password: str) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": PASSWORD_REALM, "realm": DB, "client_id": app["client_id"], "scope": "openid"}
    with server.client() as http:
        response = http.post(
            "/oauth/token", data={**form, "username": email, "password": password}, timeout=300
        )
    body = response.json()
    if response.status_code != 200:
        return response.status_code, body
    payload = body["id_token"].split(".")[1]
    return 200, json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_an_import_keeps_ids_and_hashes_and_upgrades_them(
    server: Server, native: dict[str, Any], tmp_path: Path
) -> None:
    hashes = {kind: custom(kind, OLD) for kind in ("bcrypt", "pbkdf2")}
    users: list[Any] = [
        {
            "email": f"u{index}@import.example",
            "user_id": f"legacy|{index}",
            "custom_password_hash": hashes[("bcrypt", "pbkdf2")[index % 2]],
        }
        for index in range(USERS)
    ]
    users += [
        {"email": "broken"},
        {"user_id": "no-email"},
        {"email": "u0@import.example", "user_id": "other"},
    ]
    started = time.monotonic()
    job = run_import(server, tmp_path, users)
    took = time.monotonic() - started
    print(f"\n[{server.mode}] import of {USERS} users: {took:.1f} s ({took / USERS * 1000:.1f} ms a user)")
    assert job["summary"] == {"failed": 3, "updated": 0, "inserted": USERS, "total": USERS + 3}
    assert sorted(error["errors"][0]["code"] for error in job["errors"]) == [
        "DUPLICATED_USER",
        "FORMAT",
        "OBJECT_REQUIRED",
    ]

    for index in (0, 1):
        email = f"u{index}@import.example"
        assert login(server, native, email, "wrong")[0] == 403
        started = time.monotonic()
        status, claims = login(server, native, email, OLD)
        kind = ("bcrypt", "pbkdf2")[index]
        print(f"[{server.mode}] first login, {kind} hash: {time.monotonic() - started:.2f} s")
        assert (status, claims["sub"]) == (200, f"auth0|legacy|{index}")

    # An upsert may replace an imported hash only until the user has logged in with it: the users
    # who logged in keep their (upgraded) password, one who has not takes the new hash.
    again = [
        {
            "email": f"u{index}@import.example",
            "user_id": f"legacy|{index}",
            "custom_password_hash": custom("pbkdf2", NEW),
        }
        for index in (0, 1, 2)
    ]
    job = run_import(server, tmp_path, again, "--upsert")
    assert job["summary"] == {"failed": 0, "updated": 3, "inserted": 0, "total": 3}
    assert login(server, native, "u0@import.example", OLD)[0] == 200
    assert login(server, native, "u1@import.example", NEW)[0] == 403
    assert login(server, native, "u2@import.example", NEW)[0] == 200
    assert login(server, native, "u2@import.example", OLD)[0] == 403
