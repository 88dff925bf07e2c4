"""No SSRF through the URLs a tenant configures (docs/security.md "Outbound requests").

Nothing here sends a request anywhere but loopback: private and metadata addresses are refused by
validation or by a resolver stub before any connection is made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from edgeauth.outbound import UnsafeUrl, check_url
from edgeauth.runtime.local.http import UrllibFetcher
from edgeauth.runtime.local.process import free_port
from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server

REFUSED = (
    "http://example.com/x",
    "https://127.0.0.1/x",
    "https://127.1/x",
    "https://2130706433/x",
    "https://0x7f000001/x",
    "https://localhost/x",
    "https://foo.localhost/x",
    "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://10.0.0.1/x",
    "https://192.168.1.10/x",
    "https://172.16.0.1/x",
    "https://100.64.0.1/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00::1]/x",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://db.internal/x",
    "https://printer.local/x",
    "https://intranet/x",
    "https://user:pass@example.com/x",
    "https://example.com@10.0.0.1/x",
    "file:///etc/passwd",
    "gopher://example.com/",
    "https://example.com:99999/",
)
ALLOWED = ("https://accounts.google.com/.well-known/openid-configuration", "https://idp.example:8443/jwks")


@pytest.mark.parametrize("url", REFUSED)
def test_a_private_or_special_url_is_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url)


@pytest.mark.parametrize("url", ALLOWED)
def test_a_public_https_url_is_allowed(url: str) -> None:
    check_url(url)


def test_dev_mode_allows_loopback_only() -> None:
    check_url("http://127.0.0.1:8080/x", allow_loopback=True)
    check_url("http://localhost:8080/x", allow_loopback=True)
    for url in ("http://10.0.0.1/x", "https://169.254.169.254/", "http://example.com/"):
        with pytest.raises(UnsafeUrl):
            check_url(url, allow_loopback=True)


class Resolver:
    """A resolver stub: names to addresses, and a record of what was asked."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers[host]


@pytest.fixture
def loopback_server() -> Iterator[dict[str, Any]]:
    seen: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen["host"] = self.headers["Host"]
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield {"port": port, "seen": seen}
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "addresses", [["10.0.0.5"], ["169.254.169.254"], ["93.184.216.34", "192.168.0.1"], ["::1"]]
)
async def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(
    addresses: list[str],
) -> None:
    """DNS can point a public-looking name anywhere: every resolved address is checked, and the
    connection goes to a checked address (no rebinding between check and connect)."""
    resolver = Resolver({"idp.example": addresses})
    with pytest.raises(UnsafeUrl):
        await UrllibFetcher(resolver).get("https://idp.example/.well-known/openid-configuration")
    assert resolver.asked == ["idp.example"]


async def test_the_connection_goes_to_the_checked_address(loopback_server: dict[str, Any]) -> None:
    resolver = Resolver({"localhost": ["127.0.0.1"]})
    port = loopback_server["port"]
    response = await UrllibFetcher(resolver).get(f"http://localhost:{port}/x", allow_loopback=True)
    assert response.status == 200 and loopback_server["seen"]["host"] == f"localhost:{port}"
    assert resolver.asked == ["localhost"]
    with pytest.raises(UnsafeUrl):  # the same without dev mode
        await UrllibFetcher(resolver).get(f"http://localhost:{port}/x")


def test_a_connection_url_is_checked_again_when_fetched(server: Server) -> None:
    """Saved in dev mode, fetched after dev mode is off: refused at fetch time too, and the page
    says nothing of why (no port-scan oracle)."""
    t = ("--tenant", "ssrf")
    server.cli("tenants", "create", "ssrf")
    server.cli("tenants", "update", "--dev-mode", "on", *t)
    closed = f"http://127.0.0.1:{free_port()}"
    server.cli(
        "connections",
        "create",
        "--name",
        "local-idp",
        "--strategy",
        "oidc",
        "--option",
        f"discovery_url={closed}/.well-known/openid-configuration",
        "--option",
        "client_id=x",
        *t,
    )
    app = server.cli(
        "apps", "create", "--name", "SSRF", "--type", "spa", "--callbacks", "https://s.example/cb", *t
    )
    _, challenge = pkce_pair()
    query = code_query(app["client_id"], "https://s.example/cb", challenge, connection="local-idp")
    down = redirect_params(Browser(server, "ssrf").request("GET", "/authorize", params=query))
    assert down["error"] == "server_error"
    assert (
        "refused" not in down["error_description"].lower()
        and "errno" not in down["error_description"].lower()
    )

    server.cli("tenants", "update", "--dev-mode", "off", *t)
    refused = redirect_params(Browser(server, "ssrf").request("GET", "/authorize", params=query))
    assert refused["error"] == "server_error"
    with pytest.raises(AssertionError, match="public https URL"):
        server.cli(
            "connections",
            "create",
            "--name",
            "metadata",
            "--strategy",
            "oidc",
            "--option",
            "discovery_url=https://169.254.169.254/latest",
            "--option",
            "client_id=x",
            *t,
        )
