"""Email providers in their real wire formats, against a local server that answers as each
provider does and records what it received; retries and the dead-letter queue when a provider
fails; a tenant's own template, rendered in the sandbox."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from edgeauth.admin.email_provider import set_provider
from edgeauth.admin.email_templates import create_template
from edgeauth.admin.outbox import list_outbox
from edgeauth.admin.tenants import DEV_MODE_KEY, update_settings
from edgeauth.mail.outgoing import send_email
from edgeauth.runtime.local.host import LocalRuntime
from edgeauth.runtime.local.process import free_port
from tests.conftest import Server, eventually
from tests.in_process import DEAD_LETTERS, drain
from tests.local_runtime.support import ManualClock

TO = "someone@example.com"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


class ProviderServer:
    """Answers like SendGrid (202, no body), Mailgun (200 `{id, message}`) and Resend (200 `{id}`);
    any path under `/down/` answers 500."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                recorder.received.append(Received("POST", self.path, headers, body))
                if self.path.startswith("/down/"):
                    self._answer(500, b'{"message": "unavailable"}')
                elif self.path == "/v3/mail/send":
                    self._answer(202, b"")
                elif self.path.endswith("/messages"):
                    self._answer(200, b'{"id": "<20261122.1@mg.example>", "message": "Queued. Thank you."}')
                else:
                    self._answer(200, b'{"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}')

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def to_path(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@pytest.fixture(scope="module")
def providers() -> Iterator[ProviderServer]:
    server = ProviderServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def configure(server: Server, tenant: str, name: str, base_url: str, *extra: str) -> None:
    server.cli("tenants", "create", tenant)
    server.cli("tenants", "update", "--dev-mode", "on", "--tenant", tenant)  # a loopback recorder
    server.cli(
        "email",
        "provider",
        "--name",
        name,
        "--api-key",
        f"key-{name}",
        "--from",
        "no-reply@acme.example",
        "--base-url",
        base_url,
        "--tenant",
        tenant,
        *extra,
    )


def sent(providers: ProviderServer, path: str) -> Received:
    found = eventually(lambda: providers.to_path(path), bool)
    assert found, f"nothing POSTed to {path}"
    return found[-1]


def test_sendgrid(server: Server, providers: ProviderServer) -> None:
    configure(server, f"sg-{server.mode}", "sendgrid", providers.origin)
    server.cli(
        "email",
        "test",
        "--to",
        TO,
        "--template",
        "reset_email",
        "--locale",
        "fr",
        "--tenant",
        f"sg-{server.mode}",
    )
    request = sent(providers, "/v3/mail/send")
    assert request.headers["authorization"] == "Bearer key-sendgrid"
    assert request.headers["content-type"].startswith("application/json")
    body = request.json()
    assert body["personalizations"] == [{"to": [{"email": TO}]}]
    assert body["from"] == {"email": "no-reply@acme.example"}
    assert body["subject"].startswith("Réinitialisez")
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert "https://example.com/sample-link" in body["content"][0]["value"]


def test_mailgun(server: Server, providers: ProviderServer) -> None:
    configure(server, f"mg-{server.mode}", "mailgun", providers.origin, "--domain", "mg.example")
    server.cli(
        "email", "test", "--to", TO, "--template", "passwordless_code", "--tenant", f"mg-{server.mode}"
    )
    request = sent(providers, "/v3/mg.example/messages")
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"api:key-mailgun").decode()
    form = request.form()
    assert (form["to"], form["from"]) == (TO, "no-reply@acme.example")
    assert "123456" in form["text"] and "123456" in form["html"]


def test_resend(server: Server, providers: ProviderServer) -> None:
    configure(server, f"rs-{server.mode}", "resend", providers.origin)
    server.cli("email", "test", "--to", TO, "--template", "verify_email", "--tenant", f"rs-{server.mode}")
    request = sent(providers, "/emails")
    assert request.headers["authorization"] == "Bearer key-resend"
    body = request.json()
    assert body["to"] == [TO] and body["from"] == "no-reply@acme.example"
    assert body["subject"].startswith("Verify your email") and "<a href=" in body["html"]


def test_outbox_is_the_default(server: Server) -> None:
    server.cli("tenants", "create", f"ob-{server.mode}")
    server.cli("email", "test", "--to", TO, "--template", "welcome_email", "--tenant", f"ob-{server.mode}")
    found = eventually(lambda: server.cli("outbox", "--to", TO, "--tenant", f"ob-{server.mode}"), bool)
    assert found[0]["template"] == "welcome_email" and found[0]["to"] == TO


async def test_a_failing_provider_retries_then_dead_letters(
    runtime: LocalRuntime, clock: ManualClock, providers: ProviderServer
) -> None:
    platform = runtime.platform
    await update_settings(platform, "default", {DEV_MODE_KEY: True})  # the provider is on loopback
    fields = {
        "name": "resend",
        "credentials": {"api_key": "k"},
        "settings": {"base_url": providers.origin + "/down"},
    }
    await set_provider(platform, "default", fields)
    values = {"code": "654321", "user": {"email": TO}}
    await send_email(platform, "default", template="passwordless_code", to=TO, locale="en", values=values)
    await drain(runtime, clock)
    [dead] = runtime.queue.peek(DEAD_LETTERS)
    assert dead.body["type"] == "email" and dead.body["to"] == TO
    assert len(providers.to_path("/down/emails")) == 4  # the first try and max_retries = 3
    failures = await platform.db.all("SELECT type, description FROM logs WHERE type = 'fn'")
    assert len(failures) == 4 and "Resend answered 500" in failures[0]["description"]


async def test_a_tenants_template_is_rendered_in_the_sandbox(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    platform = runtime.platform
    body = "<p>Hi {{ user.email }}, open {{ url }}</p>{{ ''.__class__.__mro__ }}"
    await create_template(platform, "default", {"template": "verify_email", "body": body, "subject": "Hello"})
    values = {"url": "https://x.example/v?t=1", "user": {"email": TO}}
    await send_email(platform, "default", template="verify_email", to=TO, locale="en", values=values)
    await drain(runtime, clock)
    [unsafe] = await list_outbox(platform, "default", TO)
    assert unsafe["subject"] == "Verify your email for default"  # refused: the built-in one went
    safe = '<p>Hi {{ user.email }}, open <a href="{{ url }}">{{ url }}</a></p>'
    await platform.db.run("UPDATE email_templates SET body = ?", safe)
    clock.advance(1)  # outbox ids are time-ordered
    await send_email(platform, "default", template="verify_email", to=TO, locale="en", values=values)
    await drain(runtime, clock)
    custom = (await list_outbox(platform, "default", TO))[0]
    assert custom["subject"] == "Hello"
    assert (
        custom["html"]
        == '<p>Hi someone@example.com, open <a href="https://x.example/v?t=1">https://x.example/v?t=1</a></p>'
    )
    assert custom["text"] == "Hi someone@example.com, open https://x.example/v?t=1"


@pytest.mark.parametrize(
    "body",
    [
        "{% for a in 'x'*1000 %}{% for b in 'x'*1000 %}{% for c in 'x'*1000 %}"
        ".{% endfor %}{% endfor %}{% endfor %}",
        "{{ 'a' * 1000000000 }}",
        "{{ 2 ** 100000000 }}",
        "{{ '%999999999s' % 'a' }}",
        "{{ '{0:>999999999}'.format(1) }}",
        "{{ 'a'.center(999999999) }}",
        "{% set a = 'xxxxxxxxxxxxxxxx' %}" + "{% set a = a ~ a %}" * 40 + "{{ a }}",
        "{{ 1 / 0 }}",
        "{{ 10 ** 400 * 1.0 }}",
    ],
    ids=["loops", "repeat", "power", "percent", "format", "center", "doubling", "zero", "overflow"],
)
async def test_a_costly_or_failing_template_falls_back_to_the_built_in_email(
    runtime: LocalRuntime, clock: ManualClock, body: str
) -> None:
    """The review: `range`/`*`/`**` burned CPU and memory, and an `OverflowError` (not a
    `TemplateError`) stopped delivery, so resets broke. Now the render is bounded and any failure
    sends the built-in email."""
    platform = runtime.platform
    await create_template(platform, "default", {"template": "reset_email", "body": body, "subject": "Hi"})
    values = {"url": "https://x.example/r?t=1", "user": {"email": TO}}
    await send_email(platform, "default", template="reset_email", to=TO, locale="en", values=values)
    await drain(runtime, clock)
    [sent] = await list_outbox(platform, "default", TO)
    assert sent["subject"] != "Hi" and "https://x.example/r?t=1" in sent["text"]
