"""The `edgeauth` CLI over the admin service layer, on a real data folder."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_cli


def cli_fails(data: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "edgeauth.cli", *args, "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr


def test_apps_create_lists_accept_commas_and_repeats(tmp_path: Path) -> None:
    run_cli(tmp_path, "tenants", "create", "acme", "--name", "Acme")
    app = run_cli(
        tmp_path,
        "apps",
        "create",
        "--tenant",
        "acme",
        "--name",
        "Web",
        "--type",
        "regular",
        "--callbacks",
        "https://a.example/cb,https://b.example/cb",
        "--callbacks",
        "https://c.example/cb",
        "--web-origins",
        "https://a.example",
    )
    assert app["callbacks"] == ["https://a.example/cb", "https://b.example/cb", "https://c.example/cb"]
    assert app["web_origins"] == ["https://a.example"]
    assert app["app_type"] == "regular_web"
    assert len(app["client_id"]) == 32 and len(app["client_secret"]) >= 64


def test_client_secret_is_not_stored_in_plain_text(tmp_path: Path) -> None:
    app = run_cli(tmp_path, "apps", "create", "--name", "M", "--type", "m2m")
    secret = app["client_secret"].encode()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path


def test_users_create_reaches_d1_through_the_queue(tmp_path: Path) -> None:
    user = run_cli(tmp_path, "users", "create", "--email", "Ada@Example.com", "--password", "correct horse")
    provider, _, object_id = user["user_id"].partition("|")
    assert provider == "auth0" and len(object_id) == 72  # object id + creation
    assert user["email"] == "ada@example.com"
    assert user["identities"][0]["connection"] == "Username-Password-Authentication"
    with sqlite3.connect(tmp_path / "d1.sqlite") as db:
        row = db.execute("SELECT user_id, email, version, profile FROM users").fetchone()
    assert row[:3] == (user["user_id"], "ada@example.com", 1)
    assert json.loads(row[3])["user_id"] == user["user_id"]


def test_password_hash_is_self_describing_pbkdf2(tmp_path: Path) -> None:
    run_cli(tmp_path, "users", "create", "--email", "h@example.com", "--password", "longenough")
    hashes = []
    for path in (tmp_path / "objects").rglob("*.sqlite"):
        with sqlite3.connect(path) as db:
            if db.execute("SELECT name FROM sqlite_master WHERE name='credentials'").fetchone():
                hashes += [r[0] for r in db.execute("SELECT secret FROM credentials")]
    assert len(hashes) == 1
    assert hashes[0].startswith("$pbkdf2-sha256$i=100000$")
    assert "longenough" not in hashes[0]


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    run_cli(tmp_path, "users", "create", "--email", "dup@example.com", "--password", "longenough")
    assert "already exists" in cli_fails(
        tmp_path, "users", "create", "--email", "dup@example.com", "--password", "longenough"
    )
    assert "too weak" in cli_fails(
        tmp_path, "users", "create", "--email", "x@example.com", "--password", "short"
    )
    assert "does not exist" in cli_fails(
        tmp_path, "apps", "create", "--tenant", "ghost", "--name", "X", "--type", "spa"
    )
    assert "already exists" in cli_fails(tmp_path, "tenants", "create", "default")
    run_cli(tmp_path, "apis", "create", "--name", "A", "--identifier", "https://a/", "--scopes", "r")
    app = run_cli(tmp_path, "apps", "create", "--name", "M", "--type", "m2m")
    assert "not defined" in cli_fails(
        tmp_path, "apps", "authorize", "--app", app["client_id"], "--api", "https://a/", "--scopes", "w"
    )


def test_the_data_folder_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """It holds password hashes, sealed keys, sessions and the deployment key (the review found
    every file world-readable); a folder made loose by hand is tightened at the next start."""
    data = tmp_path / "data"
    run_cli(data, "users", "create", "--email", "perm@example.com", "--password", "correct horse")
    files = [p for p in data.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o077 == 0 for p in files), [
        (p.name, oct(p.stat().st_mode)) for p in files if p.stat().st_mode & 0o077
    ]
    assert data.stat().st_mode & 0o777 == 0o700
    (data / "kv.sqlite").chmod(0o644)
    data.chmod(0o755)
    run_cli(
        data,
        "users",
        "get",
        run_cli(data, "users", "create", "--email", "p2@example.com", "--password", "correct horse")[
            "user_id"
        ],
    )
    assert (data / "kv.sqlite").stat().st_mode & 0o077 == 0 and data.stat().st_mode & 0o777 == 0o700
