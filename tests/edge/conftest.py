"""The edge host (tools/edge/host.mjs): the staged bundle under npm Pyodide, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from edgeauth.runtime.local.edgehost import EdgeHostProcess


class EdgeHost:
    """A running edge host and its harness-only endpoints (`/cdn-cgi/edgeauth/...`)."""

    def __init__(self, process: EdgeHostProcess) -> None:
        self.process = process
        self.base_url = process.base_url
        self.domain = f"localhost:{process.port}"

    def http(self) -> httpx.Client:
        """HTTP to 127.0.0.1 with the default tenant's Host header."""
        return httpx.Client(base_url=self.base_url, headers={"Host": self.domain}, timeout=30)

    def harness(self, endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.base_url}/cdn-cgi/edgeauth/{endpoint}", json=payload, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def admin(self, *argv: str) -> Any:
        return self.harness("admin", {"argv": list(argv)})

    def d1(self, sql: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.base_url}/cdn-cgi/edgeauth/d1", params={"sql": sql}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["results"]


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeHost]:
    """One edge host per test module, on a fresh state folder, cron triggerable by HTTP."""
    with EdgeHostProcess(tmp_path_factory.mktemp("edge"), "--test-scheduled") as process:
        yield EdgeHost(process)
