"""Admin verbs for the benchmarks: the CLI on a data folder, or the edge host's admin endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from edgeauth.runtime.local.edgehost import EdgeHostProcess
from edgeauth.runtime.local.process import ServerProcess


def cli(data: Path, *argv: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "edgeauth.cli", *argv, "--data", str(data), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def admin(server: ServerProcess, *argv: str) -> Any:
    if isinstance(server, EdgeHostProcess):
        response = httpx.post(
            f"{server.base_url}/cdn-cgi/edgeauth/admin", json={"argv": list(argv)}, timeout=60
        )
        response.raise_for_status()
        return response.json()
    return cli(server.data, *argv)
