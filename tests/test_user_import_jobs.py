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
# Users imported, in both modes (38.8 ms a user under Pyodide on a quiet machine: 10,000 in 6.5 min).
USERS = int(os.environ.get("EDGEAUTH_IMPORT_USERS", "10000"))
# The export and re-import into a fresh tenant: this many users here (the full 10,000-user round
# trip runs through the Management API in tests/management/test_user_import.py).
ROUND_TRIP = 1000


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
    # The local CLI delivers the queue's messages itself before it returns (no server needed): the
    # whole import, here.
    job = server.cli("users", "import", str(path), *flags, timeout=1200)
    assert (job["type"], job["status"]) == ("users_import", "pending")
    return finished(server, job["id"], *flags[flags.index("--tenant") :] if "--tenant" in flags else ())


def finished(server: Server, job_id: str, *flags: str) -> dict[str, Any]:
    deadline = time.monotonic() + 1800
    # `users job` queues nothing, so the local CLI answers without delivering the queue it shares
    # with the server (which goes on with the import's parts meanwhile).
    while (state := server.cli("users", "job", job_id, *flags))["status"] == "pending":
        assert time.monotonic() < deadline, state
        time.sleep(1)
    return state


# Users the checks below read: among the first ROUND_TRIP ids in `user_id` order in any import of
# at least ROUND_TRIP users (`auth0|legacy|0`, `…|1`, `…|10`, `…|11` sort before `…|2`).
CHECKED = ("u0@import.example", "u1@import.example", "u10@import.example", "u11@import.example")


def exported(server: Server) -> dict[str, dict[str, Any]]:
    """The first ROUND_TRIP users (in `user_id` order) exported with their hashes, once D1's copy
    (which exports read, seconds behind the objects) has the checked ones: by email."""
    fields = [arg for name in ("user_id", "email", "custom_password_hash") for arg in ("--field", name)]
    deadline = time.monotonic() + 600
    while True:
        job = server.cli("users", "export", *fields, "--limit", str(ROUND_TRIP), timeout=600)
        lines = {
            line["email"]: line
            for line in map(json.loads, finished(server, job["id"], "--download")["file"].splitlines())
        }
        if (len(lines) == ROUND_TRIP and set(CHECKED) <= set(lines)) or time.monotonic() > deadline:
            return lines
        time.sleep(2)


def login(
    server: Server, app: dict[str, Any], email: str, password: str, tenant: str | None = None
) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": PASSWORD_REALM, "realm": DB, "client_id": app["client_id"], "scope": "openid"}
    with server.client(tenant) as http:
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
    assert job["summary"] == {"failed": 3, "updated": 0, "inserted": USERS, "total": USERS + 3}, job["errors"]
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

    # The export carries each hash as the import takes it: upgraded after a login, else as imported.
    lines = exported(server)
    assert len(lines) == ROUND_TRIP
    value = lambda email: lines[email]["custom_password_hash"]["hash"]["value"]  # noqa: E731
    assert value("u0@import.example").startswith("$pbkdf2-sha256$i=100000,l=32$")  # bcrypt, logged in
    assert value("u10@import.example") == hashes["bcrypt"]["hash"]["value"]  # never logged in
    assert value("u11@import.example") == hashes["pbkdf2"]["hash"]["value"]

    # … and a fresh tenant takes the export back: same ids, same passwords.
    server.cli("tenants", "create", "moved")
    app_args = ("--name", "Moved", "--type", "native", "--grants", PASSWORD_REALM, "--tenant", "moved")
    moved_app = server.cli("apps", "create", *app_args)
    job = run_import(server, tmp_path, list(lines.values()), "--tenant", "moved")
    assert job["summary"] == {"failed": 0, "updated": 0, "inserted": ROUND_TRIP, "total": ROUND_TRIP}
    for index in (0, 1, 10):  # logged in with bcrypt, logged in with PBKDF2, never logged in
        status, claims = login(server, moved_app, f"u{index}@import.example", OLD, tenant="moved")
        assert (status, claims.get("sub")) == (200, f"auth0|legacy|{index}")
