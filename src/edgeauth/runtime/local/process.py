"""`edgeauth serve` in a child process on a free loopback port: what the tests and bench/ drive."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """Start with `with ServerProcess(data) as server:`; stopped (SIGTERM) on exit."""

    name = "edgeauth serve"

    def __init__(self, data: Path, *extra_args: str, startup_timeout: float = 60) -> None:
        self.data = data
        self.port = free_port()
        self.extra_args = extra_args
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self.startup_seconds = 0.0

    @property
    def scheme(self) -> str:
        return "https" if "--tls-cert" in self.extra_args else "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data / "server.log"

    def output(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        return self.log_path.read_text() if self.log_path.exists() else ""

    def command(self) -> list[str]:
        """The server's command line (subclasses serve the Worker another way)."""
        return [
            sys.executable,
            "-m",
            "edgeauth.cli",
            "serve",
            "--data",
            str(self.data),
            "--port",
            str(self.port),
            *self.extra_args,
        ]

    def start(self) -> ServerProcess:
        self.data.mkdir(parents=True, exist_ok=True)
        command = self.command()
        started = time.monotonic()  # the server's own startup, not preparing its command
        with self.log_path.open("w") as log:  # a file, not a pipe: a full pipe would stall the server
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        probe = f"{self.base_url}/.well-known/openid-configuration"
        while time.monotonic() - started < self.startup_timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.output()}")
            try:
                # Loopback readiness only: the certificate is the test's to check.
                unverified = ssl._create_unverified_context()  # noqa: S323
                with urllib.request.urlopen(probe, timeout=1, context=unverified):  # noqa: S310
                    pass
            except urllib.error.HTTPError:
                pass  # it answers, if badly: the tests will say what is wrong
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
                continue
            self.startup_seconds = time.monotonic() - started
            return self
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {self.startup_timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
