"""USER_EVENTS consumer: every event a Durable Object or a flow sends, applied to D1.

Cloudflare Queues semantics: each message is acked once applied; only the failed ones retry,
then land in the dead-letter queue after `max_retries` (wrangler.toml).
"""

from __future__ import annotations

from collections.abc import Sequence

from edgeauth.audit import MESSAGE_TYPE as LOG_MESSAGE
from edgeauth.mail.outgoing import MESSAGE_TYPE as EMAIL_MESSAGE
from edgeauth.platform import Platform
from edgeauth.ports import QueueMessage
from queues.audit_logs import store_log
from queues.mail_delivery import deliver_email
from queues.user_sync import apply_user_event


async def apply_message(platform: Platform, body: dict) -> None:
    """A log event (`edgeauth.audit`), an email (`edgeauth.mail`) or a user event (`user.*`)."""
    if body.get("type") == LOG_MESSAGE:
        await store_log(platform, body)
    elif body.get("type") == EMAIL_MESSAGE:
        await deliver_email(platform, body)
    else:
        await apply_user_event(platform, body)


async def consume_user_events(platform: Platform, messages: Sequence[QueueMessage]) -> None:
    """Ack each applied message; retry only the ones that failed (Cloudflare Queues semantics)."""
    for message in messages:
        try:
            await apply_message(platform, message.body)
        except Exception:
            message.retry(delay_seconds=5)
        else:
            message.ack()
