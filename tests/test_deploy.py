"""`make deploy` (tools/deploy.py) with the real wrangler against a Cloudflare API double on
loopback (tests/cloudflare_api.py): what is created, what is uploaded, and that a second deploy
reuses it all. Vendoring (`pywrangler sync`) is skipped: it downloads Pyodide packages, which no
offline test can (docs/cloudflare.md, "What has been verified")."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cloudflare_api import ACCOUNT_ID, Account, Recorded, cloudflare_api
from tools.stage_bundle import EXCLUDED

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILES = (
    "wrangler.toml",
    "pyproject.toml",
    "tools",
    "src",
    "durable_objects",
    "queues",
    "templates",
    "migrations",
)
SCRIPT = f"/accounts/{ACCOUNT_ID}/workers/scripts/edgeauth"


@dataclass
class Deployed:
    root: Path
    account: Account
    first: list[Recorded]  # the requests of the first deploy
    config_after_first: str

    def upload(self, requests: list[Recorded]) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        # The first deploy uploads the script; later ones upload a version and deploy it.
        [put] = [
            r for r in requests if (r.method, r.path) in (("PUT", SCRIPT), ("POST", f"{SCRIPT}/versions"))
        ]
        parts = put.parts()
        return json.loads(parts.pop("metadata")[1]), parts

    def bindings(self, metadata: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {b["name"]: b for b in metadata["bindings"]}


def run_deploy(root: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDFLARE_", "CF_", "WRANGLER_"))}
    env.update(
        CLOUDFLARE_API_BASE_URL=base_url,
        CLOUDFLARE_API_TOKEN="test-token",
        CLOUDFLARE_ACCOUNT_ID=ACCOUNT_ID,
        WRANGLER_SEND_ERROR_REPORTS="false",
        WRANGLER_HIDE_BANNER="true",
        XDG_CONFIG_HOME=str(root / ".scratch" / "config"),
        WRANGLER_LOG_PATH=str(root / ".scratch" / "logs"),
        NO_COLOR="1",
    )
    return subprocess.run(
        [sys.executable, str(root / "tools" / "deploy.py"), "--no-vendor"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    root = tmp_path_factory.mktemp("deploy")
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, root / name)
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    with cloudflare_api() as (base_url, account):
        first = run_deploy(root, base_url)
        assert first.returncode == 0, first.stdout + first.stderr
        first_requests = list(account.requests)
        config = (root / "wrangler.toml").read_text()
        second = run_deploy(root, base_url)
        assert second.returncode == 0, second.stdout + second.stderr
        yield Deployed(root, account, first_requests, config)


def created(requests: list[Recorded], kind: str) -> list[Recorded]:
    paths = {"kv": r".*/storage/kv/namespaces", "d1": r".*/d1/database", "queues": r".*/queues"}
    return [r for r in requests if r.method == "POST" and re.fullmatch(paths[kind], r.path)]


def test_resources_are_created_once_and_their_ids_written(deployed: Deployed) -> None:
    account = deployed.account
    assert list(account.kv.values()) == ["edgeauth-config"]
    assert list(account.d1.values()) == ["edgeauth"]
    assert sorted(account.queues.values()) == ["edgeauth-user-events", "edgeauth-user-events-dlq"]
    for kind in ("kv", "d1", "queues"):  # the second deploy found them
        assert created(account.requests, kind) == created(deployed.first, kind)
    config = tomllib.loads(deployed.config_after_first)
    assert config["kv_namespaces"][0]["id"] == next(iter(account.kv))
    assert config["d1_databases"][0]["database_id"] == next(iter(account.d1))
    assert (deployed.root / "wrangler.toml").read_text() == deployed.config_after_first


def test_d1_migrations_are_applied_remotely(deployed: Deployed) -> None:
    applied = "\n".join(deployed.account.d1_queries)
    for migration in sorted((ROOT / "migrations").glob("*.sql")):
        first_statement = migration.read_text().split(";")[0].strip().splitlines()[-1]
        assert first_statement in applied, migration.name


def test_the_upload_is_the_whole_worker(deployed: Deployed) -> None:
    metadata, parts = deployed.upload(deployed.first)
    assert metadata["main_module"] == "entry.py" and "entry.py" in parts
    assert metadata["compatibility_flags"] == ["python_workers"]
    assert metadata["compatibility_date"] == tomllib.loads(deployed.config_after_first)["compatibility_date"]
    python = {name for name, (content_type, _) in parts.items() if content_type == "text/x-python"}
    expected = {
        path.relative_to(base).as_posix()
        for base, package in ((ROOT / "src", "edgeauth"), (ROOT, "durable_objects"), (ROOT, "queues"))
        for path in (base / package).rglob("*.py")
    }
    # The CPython-only parts stay home (tools/stage_bundle.py EXCLUDED).
    expected = {m for m in expected if not m.startswith(tuple(EXCLUDED))}
    assert expected <= python, sorted(expected - python)
    assert len(expected) > 150
    for template in (ROOT / "templates").rglob("*.html"):
        assert template.relative_to(ROOT).as_posix() in parts, template
    assert (
        parts["durable_objects/user_object.py"][1] == (ROOT / "durable_objects/user_object.py").read_bytes()
    )


def test_bindings_migration_consumer_and_cron(deployed: Deployed) -> None:
    metadata, _ = deployed.upload(deployed.first)
    bindings = deployed.bindings(metadata)
    account = deployed.account
    assert bindings["CONFIG"] == {
        "name": "CONFIG",
        "type": "kv_namespace",
        "namespace_id": next(iter(account.kv)),
    }
    assert bindings["DB"] == {"name": "DB", "type": "d1", "id": next(iter(account.d1))}
    assert bindings["USERS"] == {
        "name": "USERS",
        "type": "durable_object_namespace",
        "class_name": "UserObject",
    }
    assert bindings["USER_EVENTS"] == {
        "type": "queue",
        "name": "USER_EVENTS",
        "queue_name": "edgeauth-user-events",
    }
    assert bindings["DEFAULT_TENANT"]["type"] == "plain_text"
    assert metadata["migrations"]["steps"] == [{"new_sqlite_classes": ["UserObject"]}]
    [consumer] = [json.loads(r.body) for r in deployed.first if r.path.endswith("/consumers")]
    assert consumer["script_name"] == "edgeauth"
    assert consumer["dead_letter_queue"] == "edgeauth-user-events-dlq"
    assert consumer["settings"]["batch_size"] == 10 and consumer["settings"]["max_retries"] == 3
    assert account.schedules["edgeauth"] == ["0 3 * * *"]


def test_the_deployment_key_is_made_once_and_never_replaced(deployed: Deployed) -> None:
    metadata, _ = deployed.upload(deployed.first)
    secret = deployed.bindings(metadata)["EDGEAUTH_SECRET_KEY"]
    assert secret["type"] == "secret_text"
    assert len(base64.urlsafe_b64decode(secret["text"] + "=")) == 32
    second = deployed.account.requests[len(deployed.first) :]
    again, _ = deployed.upload(second)
    assert "EDGEAUTH_SECRET_KEY" not in deployed.bindings(again)  # kept, not replaced
    # A redeploy is a new version that inherits every binding it does not name, the secret too.
    [version] = [r for r in second if r.method == "POST" and r.path == f"{SCRIPT}/versions"]
    assert version.query["bindings_inherit"] == ["strict"]
    assert secret["text"] not in (deployed.root / "wrangler.toml").read_text()
