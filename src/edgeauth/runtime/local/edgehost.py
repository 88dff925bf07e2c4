"""The edge host in a child process: the staged Worker bundle under npm Pyodide (tools/edge/).

Same interface as `ServerProcess` (the local runtime), so tests and benchmarks drive both alike:
`with EdgeHostProcess(data, "--test-scheduled") as server: ... server.base_url ...`. Starting it

1. stages the bundle into a temporary folder (`tools/stage_bundle.py --out`), unless `bundle`
   names an already staged one (e.g. a deliberately broken copy);
2. makes sure the pure-Python wheels are cached (`tools/edge/fetch_wheels.py`, pinned to this
   venv's versions; fast when they already are);
3. runs `node tools/edge/host.mjs` with `data` as its state folder, and waits until it answers.

Needs the repository checkout (tools/, node_modules/ with pyodide, miniflare and sql.js).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from edgeauth.runtime.local.process import ServerProcess

HOST_SCRIPT = Path("tools") / "edge" / "host.mjs"
STAGE_SCRIPT = Path("tools") / "stage_bundle.py"
WHEELS_SCRIPT = Path("tools") / "edge" / "fetch_wheels.py"


def project_root() -> Path:
    """The checkout this module lives in (src/edgeauth/runtime/local/ -> the repository)."""
    root = Path(__file__).resolve().parents[4]
    if not (root / HOST_SCRIPT).is_file():
        raise RuntimeError(f"the edge host needs the edgeauth repository; {root / HOST_SCRIPT} is missing")
    return root


def _run(command: list[str], what: str) -> None:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{proc.stdout}{proc.stderr}")


class EdgeHostProcess(ServerProcess):
    """`node tools/edge/host.mjs` on a free loopback port, `data` as its `--state`."""

    name = "edge host"

    def __init__(
        self,
        data: Path,
        *extra_args: str,
        startup_timeout: float = 120,
        bundle: Path | None = None,
        wheels: Path | None = None,
        root: Path | None = None,
    ) -> None:
        super().__init__(data, *extra_args, startup_timeout=startup_timeout)
        self.root = root or project_root()
        self.bundle = bundle
        self.wheels = wheels or self.root / ".edge" / "wheels"
        self._staged: Path | None = None

    def _stage_bundle(self) -> Path:
        self._staged = Path(tempfile.mkdtemp(prefix="edgeauth-bundle-"))
        _run(
            [sys.executable, str(self.root / STAGE_SCRIPT), "--out", str(self._staged)],
            "staging the Worker bundle",
        )
        return self._staged

    def command(self) -> list[str]:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("the edge host needs Node.js (node) on PATH")
        bundle = self.bundle or self._stage_bundle()
        _run(
            [sys.executable, str(self.root / WHEELS_SCRIPT), "--dest", str(self.wheels)],
            "fetching the edge wheels",
        )
        return [
            node,
            str(self.root / HOST_SCRIPT),
            "--bundle",
            str(bundle),
            "--wheels",
            str(self.wheels),
            "--state",
            str(self.data),
            "--port",
            str(self.port),
            *self.extra_args,
        ]

    def stop(self) -> None:
        super().stop()
        if self._staged is not None:
            shutil.rmtree(self._staged, ignore_errors=True)
            self._staged = None
