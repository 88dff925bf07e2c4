"""USER_EVENTS consumer: every event a Durable Object or a flow sends, applied to D1.

Cloudflare Queues semantics: each message is acked once applied; only the failed ones retry,
then land in the dead-letter queue after `max_retries` (wrangler.toml).
"""

from __future__ import annotations

from collections.abc import Sequence

from edgeauth.platform import Platform
from edgeauth.ports import QueueMessage
from queues.user_sync import apply_user_event


async def consume_user_events(platform: Platform, messages: Sequence[QueueMessage]) -> None:
    """Ack each applied message; retry only the ones that failed (Cloudflare Queues semantics)."""
    for message in messages:
        try:
            await apply_user_event(platform, message.body)
        except Exception:
            message.retry(delay_seconds=5)
        else:
            message.ack()
