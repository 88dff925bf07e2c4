"""The edge host's startup and failure behaviour: the Workers global-scope rules at import, an
uncaught exception answered with a 500 without taking the host down, state that survives a
restart. Each test boots its own host (a few seconds each)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from edgeauth.runtime.local.edgehost import EdgeHostProcess, project_root

GLOBAL_SCOPE_ERROR = "Disallowed operation called within global scope"

# Appended to a scratch copy of entry.py: a Worker whose fetch raises for one path.
UNCAUGHT = """

_original_fetch = Default.fetch


async def _fetch_or_raise(self, request):
    if request.url.endswith("/raise-uncaught"):
        raise RuntimeError("deliberately uncaught")
    return await _original_fetch(self, request)


Default.fetch = _fetch_or_raise
"""


def scratch_bundle(tmp_path: Path, appended: str) -> Path:
    """A staged copy of the bundle with `appended` added to the end of its entry.py."""
    bundle = tmp_path / "bundle"
    proc = subprocess.run(
        [sys.executable, str(project_root() / "tools" / "stage_bundle.py"), "--out", str(bundle)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    with (bundle / "entry.py").open("a") as entry:
        entry.write(appended)
    return bundle


def test_entropy_at_import_stops_the_host(tmp_path: Path) -> None:
    """Under CPython `secrets.token_hex()` at import is fine; on Workers it fails the deploy."""
    bundle = scratch_bundle(tmp_path, "\nimport secrets\n\nsecrets.token_hex()\n")
    host = EdgeHostProcess(tmp_path / "state", bundle=bundle)
    with pytest.raises(RuntimeError, match="edge host exited") as failure:
        host.start()
    assert host.process is not None and host.process.returncode not in (0, None)
    assert GLOBAL_SCOPE_ERROR in str(failure.value)
    assert "secrets.token_hex()" in str(failure.value)  # the Python traceback names the line


def test_the_unmodified_bundle_imports_under_the_same_rules(tmp_path: Path) -> None:
    bundle = scratch_bundle(tmp_path, "")
    with EdgeHostProcess(tmp_path / "state", bundle=bundle) as host:
        assert GLOBAL_SCOPE_ERROR not in host.output()
        assert f"edge host listening on {host.base_url}" in host.output()


def test_an_uncaught_exception_is_a_500_and_the_host_keeps_serving(tmp_path: Path) -> None:
    bundle = scratch_bundle(tmp_path, UNCAUGHT)
    with EdgeHostProcess(tmp_path / "state", bundle=bundle) as host:
        failed = httpx.get(f"{host.base_url}/raise-uncaught", timeout=30)
        assert failed.status_code == 500
        assert failed.headers["content-type"].startswith("text/plain")
        assert "deliberately uncaught" not in failed.text  # no traceback to the client
        assert "deliberately uncaught" in host.output()  # but logged
        after = httpx.get(f"{host.base_url}/.well-known/openid-configuration", timeout=30)
        assert after.status_code == 200


def test_state_survives_a_restart(tmp_path: Path) -> None:
    """KV and D1 (Miniflare), Durable Object storage and the secret persist under --state."""
    state = tmp_path / "state"
    argv = ["users", "create", "--email", "restart@example.com", "--password", "long enough pw"]
    with EdgeHostProcess(state) as host:
        api = ["apis", "create", "--name", "R", "--identifier", "https://restart.example/"]
        assert httpx.post(f"{host.base_url}/cdn-cgi/edgeauth/admin", json={"argv": api}).status_code == 200
        app_reply = httpx.post(
            f"{host.base_url}/cdn-cgi/edgeauth/admin",
            json={"argv": ["apps", "create", "--name", "R", "--type", "m2m"]},
        )
        app = app_reply.json()
        grant = ["apps", "authorize", "--app", app["client_id"], "--api", "https://restart.example/"]
        assert httpx.post(f"{host.base_url}/cdn-cgi/edgeauth/admin", json={"argv": grant}).status_code == 200
        created = httpx.post(f"{host.base_url}/cdn-cgi/edgeauth/admin", json={"argv": argv}, timeout=60)
        assert created.status_code == 200, created.text
        jwks_before = httpx.get(f"{host.base_url}/.well-known/jwks.json").json()

    with EdgeHostProcess(state) as host:
        assert httpx.get(f"{host.base_url}/.well-known/jwks.json").json() == jwks_before
        token = httpx.post(
            f"{host.base_url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "audience": "https://restart.example/",
            },
        )
        assert token.status_code == 200, token.text  # the sealed client secret still opens
        again = httpx.post(f"{host.base_url}/cdn-cgi/edgeauth/admin", json={"argv": argv}, timeout=60)
        # The user's Durable Object kept its storage: the same email is taken.
        assert again.status_code == 409, again.text
        assert again.json()["message"] == "The user already exists."
