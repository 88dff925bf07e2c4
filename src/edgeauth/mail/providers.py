"""Delivery by the tenant's provider, each in its real wire format.

- `outbox`: stored in D1 (`outbox_emails`), read with `edgeauth outbox` and, locally, at
  `/local/outbox`; the default until a tenant configures another provider.
- `sendgrid`: `POST /v3/mail/send`, `Authorization: Bearer <api_key>`, JSON (202 Accepted).
- `mailgun`: `POST /v3/<domain>/messages`, HTTP Basic `api:<api_key>`, form-encoded (200).
- `resend`: `POST /emails`, `Authorization: Bearer <api_key>`, JSON (200 `{id}`).
- `cloudflare`: the Worker's `send_email` binding (Cloudflare Email Service, `env.EMAIL.send`).

`settings.base_url` replaces a provider's API origin (Mailgun's EU region, a relay, tests).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from edgeauth.mail.render import RenderedEmail
from edgeauth.platform import Platform
from edgeauth.rows import iso_now


class DeliveryError(Exception):
    """The provider refused or failed; the queue retries the message."""


@dataclass(frozen=True)
class Provider:
    """A tenant's email provider (Auth0 `/emails/provider`), credentials unsealed."""

    name: str
    default_from_address: str
    credentials: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    # The tenant's outbound policy (edgeauth.outbound): loopback only in dev mode.
    allow_loopback: bool = False

    def base_url(self, default: str) -> str:
        return str(self.settings.get("base_url") or default).rstrip("/")


@dataclass(frozen=True)
class Envelope:
    """One email to send: who from, to whom, what, and its queue message id."""

    message_id: str
    tenant_id: str
    to: str
    from_address: str
    email: RenderedEmail
    template: str
    locale: str


JSON_HEADERS = {"Content-Type": "application/json"}


async def _post(
    platform: Platform, provider: Provider, name: str, url: str, body: bytes, headers: dict[str, str]
) -> None:
    response = await platform.http.post(url, body, headers, allow_loopback=provider.allow_loopback)
    if not 200 <= response.status < 300:
        raise DeliveryError(f"{name} answered {response.status}: {response.body[:200]!r}")


async def sendgrid(platform: Platform, provider: Provider, envelope: Envelope) -> None:
    body = {
        "personalizations": [{"to": [{"email": envelope.to}]}],
        "from": {"email": envelope.from_address},
        "subject": envelope.email.subject,
        "content": [
            {"type": "text/plain", "value": envelope.email.text},
            {"type": "text/html", "value": envelope.email.html},
        ],
    }
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {provider.credentials.get('api_key', '')}"}
    url = provider.base_url("https://api.sendgrid.com") + "/v3/mail/send"
    await _post(platform, provider, "SendGrid", url, json.dumps(body).encode(), headers)


async def mailgun(platform: Platform, provider: Provider, envelope: Envelope) -> None:
    form = {
        "from": envelope.from_address,
        "to": envelope.to,
        "subject": envelope.email.subject,
        "text": envelope.email.text,
        "html": envelope.email.html,
    }
    key = base64.b64encode(f"api:{provider.credentials.get('api_key', '')}".encode()).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {key}"}
    domain = provider.credentials.get("domain") or provider.settings.get("domain", "")
    url = f"{provider.base_url('https://api.mailgun.net')}/v3/{domain}/messages"
    await _post(platform, provider, "Mailgun", url, urlencode(form).encode(), headers)


async def resend(platform: Platform, provider: Provider, envelope: Envelope) -> None:
    body = {
        "from": envelope.from_address,
        "to": [envelope.to],
        "subject": envelope.email.subject,
        "html": envelope.email.html,
        "text": envelope.email.text,
    }
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {provider.credentials.get('api_key', '')}"}
    url = provider.base_url("https://api.resend.com") + "/emails"
    await _post(platform, provider, "Resend", url, json.dumps(body).encode(), headers)


async def cloudflare(platform: Platform, provider: Provider, envelope: Envelope) -> None:
    if platform.email is None:
        raise DeliveryError("no send_email binding named EMAIL in this Worker")
    message = {
        "from": envelope.from_address,
        "to": envelope.to,
        "subject": envelope.email.subject,
        "html": envelope.email.html,
        "text": envelope.email.text,
    }
    await platform.email.send(message)


async def outbox(platform: Platform, provider: Provider, envelope: Envelope) -> None:
    """Stored once per queue message (a redelivery finds its row)."""
    await platform.db.run(
        "INSERT OR IGNORE INTO outbox_emails (id, tenant_id, to_address, from_address, subject, html,"
        " text, template, locale, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        envelope.message_id,
        envelope.tenant_id,
        envelope.to,
        envelope.from_address,
        envelope.email.subject,
        envelope.email.html,
        envelope.email.text,
        envelope.template,
        envelope.locale,
        iso_now(platform.clock()),
    )


Deliver = Callable[[Platform, Provider, Envelope], Awaitable[None]]
PROVIDERS: dict[str, Deliver] = {
    "outbox": outbox,
    "sendgrid": sendgrid,
    "mailgun": mailgun,
    "resend": resend,
    "cloudflare": cloudflare,
}


async def deliver(platform: Platform, provider: Provider, envelope: Envelope) -> None:
    """`DeliveryError` (or `OSError`, unreachable) when the provider did not take the email."""
    await PROVIDERS[provider.name](platform, provider, envelope)
