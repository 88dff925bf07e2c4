"""Queueing an email: the flows never wait for a provider (the consumer renders and delivers).

The message holds the template's values, including the code or link it carries: the queue is the
deployment's own (docs/email.md).
"""

from __future__ import annotations

from typing import Any

from edgeauth.audit import new_log_id
from edgeauth.platform import Platform

MESSAGE_TYPE = "email"
TEMPLATES = (
    "verify_email",
    "welcome_email",
    "reset_email",
    "passwordless_code",
    "passwordless_link",
    "mfa_oob_code",  # the email factor's code (it says the password was used, unlike a login code)
    "enrollment_email",  # an enrollment ticket's link (Auth0 Guardian's invitation)
)


async def send_email(
    platform: Platform, tenant_id: str, *, template: str, to: str, locale: str, values: dict[str, Any]
) -> None:
    """Queue `template` to `to` after the response (`Platform.defer`); its id (time-ordered) makes a
    redelivered message count once."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown email template {template!r}")
    message = {
        "type": MESSAGE_TYPE,
        "id": new_log_id(platform.clock()),
        "tenant_id": tenant_id,
        "template": template,
        "to": to,
        "locale": locale,
        "values": values,
    }
    await platform.defer(platform.user_events.send(message))
