"""Load from `wrk` (Debian's, a native generator), pinned to its own core, and `openssl speed` as
the RS256 ceiling; the server under test is pinned to another core (`pinned`).

On a machine with one core nothing is pinned and the table says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

SERVER_CORE, LOAD_CORE = 0, 1
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def can_pin() -> bool:
    return shutil.which("taskset") is not None and len(os.sched_getaffinity(0)) >= 2


def pinned(command: list[str], core: int) -> list[str]:
    """`command` on one core (`taskset -c`), or as is when the machine has a single core."""
    return ["taskset", "-c", str(core), *command] if can_pin() else command


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("make bench needs wrk: 'sudo apt-get install wrk' (Debian's package)")
    return wrk


@dataclass(frozen=True)
class WrkResult:
    name: str
    concurrency: int
    rate: float
    p50_ms: float
    p99_ms: float


def _latency_ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"not a wrk latency: {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse(name: str, concurrency: int, output: str) -> WrkResult:
    """Requests/sec and the 50th/99th latency percentiles of `wrk --latency`; any non-2xx answer
    or socket error fails the run (a bench of errors measures nothing)."""
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"{name}: wrk saw failed requests:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    return WrkResult(name, concurrency, rate, _latency_ms(percentiles["50"]), _latency_ms(percentiles["99"]))


def _script(method: str, form: dict[str, str] | None, headers: dict[str, str], directory: Path) -> Path:
    body = urlencode(form or {})
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    if form is not None:
        # A urlencoded body has no quotes or backslashes to escape in a Lua string.
        lines += [f'wrk.body = "{body}"', 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"']
    path = directory / "request.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(
    name: str,
    url: str,
    concurrency: int,
    *,
    method: str = "GET",
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    seconds: int = 5,
) -> WrkResult:
    """`concurrency` kept-alive connections from one wrk thread for `seconds` (after a 1 s warm-up)."""
    wrk = require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        script = _script(method, form, headers or {}, Path(tmp))
        for duration, latency in ((1, []), (seconds, ["--latency"])):
            command = [wrk, "-t1", f"-c{concurrency}", f"-d{duration}s", *latency, "-s", str(script), url]
            output = subprocess.run(
                pinned(command, LOAD_CORE), capture_output=True, text=True, check=True
            ).stdout
    return parse(name, concurrency, output)


def openssl_rsa2048_signs(seconds: int = 3) -> float:
    """`openssl speed rsa2048` signatures per second on the server's core: the RS256 ceiling."""
    command = ["openssl", "speed", "-seconds", str(seconds), "rsa2048"]
    output = subprocess.run(pinned(command, SERVER_CORE), capture_output=True, text=True, check=True).stdout
    match = re.search(r"^rsa\s+2048 bits\s+\S+\s+\S+\s+([0-9.]+)", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"openssl speed printed no rsa 2048 line:\n{output}")
    return float(match.group(1))
