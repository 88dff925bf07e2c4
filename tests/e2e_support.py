"""Real browsers and real SDKs for the tests: Chromium through `tests/e2e/browser.mjs`, and a tiny
static site on another localhost port that serves a test SPA built on the real auth0-spa-js.

`make test` installs what this needs (`npm ci --prefix tests/e2e`, Debian's chromium); without it
these tests fail and say so, they never skip.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from edgeauth.runtime.local.process import free_port

ROOT = Path(__file__).resolve().parents[1]
E2E = ROOT / "tests" / "e2e"
SPA_JS = E2E / "node_modules" / "@auth0" / "auth0-spa-js" / "dist" / "auth0-spa-js.production.js"
AUTH0_JS = E2E / "node_modules" / "auth0-js" / "dist" / "auth0.min.js"
# What the static site serves besides its pages: the SDK bundles, as an app would host them.
BUNDLES = {"/auth0-spa-js.production.js": SPA_JS, "/auth0.min.js": AUTH0_JS}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SETUP_HINT = "run `make test` (or `npm ci --prefix tests/e2e` and `apt-get install chromium`)"


def require_e2e_tools(*, browser: bool = True) -> str:
    """The `node` executable, once the npm project (and Chromium, if asked) is installed."""
    node = shutil.which("node")
    missing = [
        what
        for what, present in (
            ("node", node is not None),
            (str(E2E / "node_modules"), SPA_JS.is_file()),
            (CHROMIUM, not browser or Path(CHROMIUM).is_file()),
        )
        if not present
    ]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: {SETUP_HINT}")
    assert node is not None
    return node


class BrowserError(AssertionError):
    """An operation failed in the browser (the page's console lines are in the message)."""


class Chromium:
    """One headless Chromium for a test module; `call(op, **args)` runs one driver operation."""

    def __init__(self, timeout: float = 30) -> None:
        node = require_e2e_tools()
        self.timeout = timeout
        self._stderr: IO[str] = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [node, str(E2E / "browser.mjs")],
            cwd=E2E,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env={**os.environ, "CHROMIUM": CHROMIUM},
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._next_id = 0
        self.version = self._receive(0, 60)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _receive(self, request_id: int, timeout: float) -> Any:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise BrowserError(f"the browser did not answer within {timeout} s") from None
        if line is None:
            self._stderr.seek(0)
            raise BrowserError(f"the browser driver exited:\n{self._stderr.read()}")
        reply = json.loads(line)
        assert reply["id"] == request_id, reply
        if not reply["ok"]:
            raise BrowserError(f"{reply['error']}\nconsole: {self.console_lines()}")
        return reply["result"]

    def call(self, op: str, timeout: float | None = None, **args: Any) -> Any:
        assert self.process.stdin is not None
        self._next_id += 1
        self.process.stdin.write(json.dumps({"id": self._next_id, "op": op, **args}) + "\n")
        self.process.stdin.flush()
        return self._receive(self._next_id, (timeout or self.timeout) + 5)

    def console_lines(self) -> list[str]:
        """The page's console messages since the last call (for failure messages)."""
        assert self.process.stdin is not None
        self._next_id += 1
        self.process.stdin.write(json.dumps({"id": self._next_id, "op": "console"}) + "\n")
        self.process.stdin.flush()
        line = self._lines.get(timeout=10)
        return json.loads(line)["result"] if line else []

    # The operations the tests use, typed.
    def new_session(self, *, accept_test_certificates: bool = False) -> None:
        """A fresh browser context: no cookies, no storage (a new browser profile).
        `accept_test_certificates`: for an issuer on https with the tests' throwaway CA."""
        self.call("session", accept_test_certificates=accept_test_certificates)

    def track(self, *origins: str) -> None:
        self.call("track", origins=list(origins))

    def goto(self, url: str) -> str:
        return self.call("goto", url=url)

    def reload(self) -> str:
        return self.call("reload")

    def url(self) -> str:
        return self.call("url")

    def click(self, selector: str) -> None:
        self.call("click", selector=selector)

    def fill(self, selector: str, value: str) -> None:
        self.call("fill", selector=selector, value=value)

    def type(self, selector: str, text: str) -> None:
        self.call("type", selector=selector, text=text)

    def press(self, selector: str, key: str) -> None:
        self.call("press", selector=selector, key=key)

    def focused(self) -> str | None:
        return self.call("focused")

    def wait_for_url(self, prefix: str, timeout: float = 15) -> str:
        return self.call("wait_for_url", timeout, prefix=prefix, timeout_ms=timeout * 1000)

    def wait_for_text(self, selector: str, text: str, timeout: float = 15) -> str:
        return self.call("wait_for_text", timeout, selector=selector, text=text, timeout_ms=timeout * 1000)

    def text(self, selector: str) -> str:
        return self.call("text", selector=selector)

    def evaluate(self, source: str, arg: Any = None, timeout: float | None = None) -> Any:
        """Run `source` (a JS function expression, maybe async) in the page with `arg`."""
        return self.call("evaluate", timeout, source=source, arg=arg)

    def requests(self, clear: bool = True) -> list[dict[str, Any]]:
        """Requests to the tracked origins since the last call, with their responses."""
        return self.call("requests", clear=clear)

    def block_cookies(self, part: str) -> None:
        """From now on in this session, responses of URLs containing `part` set no cookie (as a
        browser that blocks third-party cookies would treat them)."""
        self.call("block_cookies", part=part)

    def virtual_authenticator(self, **options: Any) -> str:
        """A CDP virtual WebAuthn authenticator in this session (`WebAuthn.addVirtualAuthenticator`)."""
        return str(self.call("virtual_authenticator", options=options))

    def authenticator_credentials(self, authenticator_id: str) -> list[dict[str, Any]]:
        return list(self.call("authenticator_credentials", authenticator=authenticator_id))

    def clear_cookies(self) -> None:
        self.call("clear_cookies")

    def cookies(self) -> list[dict[str, Any]]:
        return self.call("cookies")

    def axe(self) -> dict[str, Any]:
        """axe-core over the current page: `{"checked": rules run, "violations": [...]}`."""
        return self.call("axe", timeout=60)

    def screenshot(self, path: Path) -> None:
        self.call("screenshot", path=str(path))

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()


@contextmanager
def chromium() -> Iterator[Chromium]:
    browser = Chromium()
    try:
        yield browser
    finally:
        browser.close()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def form_of(body: str | None) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body or "").items()}


class StaticSite:
    """`http://localhost:<port>/`: `/<page>/` is its template (`tests/e2e/spa.html` by default) with
    that page's `window.E2E` configuration; `BUNDLES` are the installed SDK bundles."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, dict[str, Any]]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # path → (content type, body)
        self.port = free_port()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path in BUNDLES:
                    self._send(200, "text/javascript", BUNDLES[path].read_bytes())
                    return
                if path in site.files:
                    self._send(200, *site.files[path])
                    return
                name = path.strip("/")
                if path.endswith("/") and name in site.pages:
                    template, page_config = site.pages[name]
                    config = json.dumps(page_config).replace("</", "<\\/")
                    html = (E2E / template).read_text().replace("/*E2E_CONFIG*/null", config)
                    self._send(200, "text/html; charset=utf-8", html.encode())
                    return
                self._send(404, "text/plain", b"not found")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    def page(self, name: str, config: dict[str, Any], template: str = "spa.html") -> str:
        """Add a page; returns its URL (also its redirect_uri and logout URL)."""
        self.pages[name] = (template, config)
        return f"{self.origin}/{name}/"

    def __enter__(self) -> StaticSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    """One headless Chromium per test module."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def site() -> Iterator[StaticSite]:
    """The test SPA's static site, per test module."""
    with StaticSite() as site:
        yield site
