"""Fixtures that drive the real thing: `edgeauth serve` over HTTP on loopback, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from edgeauth.runtime.local.process import ServerProcess

ROOT = Path(__file__).resolve().parents[1]
# `clock` and `runtime`: an in-process local runtime for tests that drive its loops by hand;
# `browser` and `site`: Chromium and the test SPA's static site (tests/e2e_support.py).
pytest_plugins = ["tests.in_process", "tests.e2e_support"]


def eventually(read: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 20) -> Any:
    """Poll `read` until `done` (search sees the queue's copy within seconds)."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def run_cli(data: Path, *args: str, timeout: float = 60) -> Any:
    """`edgeauth <args> --data <data> --json`, parsed; a failing command fails the test."""
    proc = subprocess.run(
        [sys.executable, "-m", "edgeauth.cli", *args, "--data", str(data), "--json"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


class Server:
    """A running server under test — the local runtime or the edge host — and its admin verbs."""

    def __init__(self, process: ServerProcess, mode: str) -> None:
        self.process = process
        self.mode = mode
        self.port = process.port
        self.base_url = process.base_url
        self.data = process.data

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def domain(self) -> str:
        """What an Auth0 SDK is configured with (auth0-python: with protocol="http")."""
        return f"localhost:{self.port}"

    def host_origin(self, tenant: str) -> str:
        return f"http://{tenant}.localhost:{self.port}"

    def client(self, tenant: str | None = None, host: str | None = None) -> httpx.Client:
        """HTTP to 127.0.0.1 with the Host header of the (tenant's) domain, or `host`."""
        host = host or (f"{tenant}.localhost:{self.port}" if tenant else self.domain)
        return httpx.Client(base_url=self.base_url, headers={"Host": host}, timeout=30)

    def cli(self, *args: str, timeout: float = 60) -> Any:
        """An admin verb of `edgeauth` (`apps create …`): the CLI on the local data folder, or the
        same command run inside the edge host's Pyodide through its harness-only admin endpoint."""
        if self.mode == "local":
            return run_cli(self.data, *args, timeout=timeout)
        # Files the command names go along, for the edge host to write where the verb reads them.
        files = {arg: Path(arg).read_text() for arg in args if arg.startswith("/") and Path(arg).is_file()}
        response = httpx.post(
            f"{self.base_url}/cdn-cgi/edgeauth/admin",
            json={"argv": list(args), "files": files},
            timeout=timeout,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def token(self, app: M2MApp, tenant: str | None = None, **overrides: str | None) -> httpx.Response:
        """POST /oauth/token with the app's client_credentials form."""
        with self.client(tenant) as http:
            return http.post("/oauth/token", data=app.form(**overrides))

    def jwks(self, tenant: str | None = None) -> dict[str, dict]:
        """The tenant's JWKS by kid."""
        with self.client(tenant) as http:
            return {k["kid"]: k for k in http.get("/.well-known/jwks.json").json()["keys"]}


def server_process(mode: str, data: Path) -> ServerProcess:
    """`edgeauth serve` (local runtime) or the edge host (the staged bundle under Pyodide)."""
    if mode == "local":
        return ServerProcess(data, "--test-scheduled")
    from edgeauth.runtime.local.edgehost import EdgeHostProcess

    return EdgeHostProcess(data, "--test-scheduled")


@pytest.fixture(scope="module", params=["local", "edge"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module and mode, on a fresh data folder, cron triggerable by HTTP."""
    with server_process(request.param, tmp_path_factory.mktemp(request.param)) as process:
        yield Server(process, request.param)


@dataclass(frozen=True)
class M2MApp:
    client_id: str
    client_secret: str
    audience: str
    scopes: list[str]

    def form(self, **overrides: str | None) -> dict[str, str]:
        """A client_credentials request body (client_secret_post); `None` drops a parameter."""
        base = {
            "grant_type": "client_credentials",
            "audience": self.audience,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def make_m2m_app(server: Server, audience: str, scopes: list[str], tenant: str = "") -> M2MApp:
    """An API, an m2m app and a client grant between them, made with the CLI."""
    tenant_args = ["--tenant", tenant] if tenant else []
    server.cli(
        "apis",
        "create",
        "--name",
        "API",
        "--identifier",
        audience,
        "--scopes",
        ",".join(scopes),
        *tenant_args,
    )
    app = server.cli("apps", "create", "--name", "M2M", "--type", "m2m", *tenant_args)
    server.cli(
        "apps",
        "authorize",
        "--app",
        app["client_id"],
        "--api",
        audience,
        "--scopes",
        ",".join(scopes),
        *tenant_args,
    )
    return M2MApp(app["client_id"], app["client_secret"], audience, scopes)
