"""The USER_EVENTS queue's consumer. Four kinds of message travel on it, by `type`:

- `user.created`, `user.updated`, `user.login`, `user.deleted`: a user object's change, applied to
  D1's copy (`queues.user_sync`);
- `log_rows`: a batch of tenant log events (`edgeauth.audit`), stored in D1 (`queues.audit_logs`;
  `logs` and `log` are what earlier versions sent);
- `email`: an email to render and deliver (`edgeauth.mail.outgoing`, `queues.mail_delivery`);
- `users_import`, `users_export`: one part of a users job (`queues.user_jobs`).

Any other type is an error: the message is retried, then lands in the dead-letter queue, logged.
Cloudflare Queues semantics: each message is acked once applied; only the failed ones retry.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from edgeauth.audit import MESSAGE_TYPE as LOGS_MESSAGE
from edgeauth.mail.outgoing import MESSAGE_TYPE as EMAIL_MESSAGE
from edgeauth.platform import Platform
from edgeauth.ports import QueueMessage
from queues.audit_logs import store_log, store_log_rows, store_logs
from queues.mail_delivery import deliver_email
from queues.user_jobs import JOB_HANDLERS
from queues.user_sync import USER_EVENT_TYPES, apply_user_event

log = logging.getLogger(__name__)
Handler = Callable[[Platform, dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, Handler] = {
    LOGS_MESSAGE: store_log_rows,
    "logs": store_logs,
    "log": store_log,
    EMAIL_MESSAGE: deliver_email,
    **dict.fromkeys(USER_EVENT_TYPES, apply_user_event),
    **JOB_HANDLERS,
}


class UnknownMessage(ValueError):
    """A message of a type no handler takes (it is retried, then dead-lettered)."""


async def apply_message(platform: Platform, body: Any) -> None:
    """Hand one message to the handler of its `type`."""
    kind = body.get("type") if isinstance(body, dict) else None
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        raise UnknownMessage(f"no handler for a USER_EVENTS message of type {kind!r}")
    await handler(platform, body)


async def consume(platform: Platform, messages: Sequence[QueueMessage]) -> None:
    """Ack each applied message; retry only the ones that failed (Cloudflare Queues semantics)."""
    for message in messages:
        try:
            await apply_message(platform, message.body)
        except Exception:
            log.exception("USER_EVENTS message %s failed (attempt %s)", message.id, message.attempts)
            message.retry(delay_seconds=5)
        else:
            message.ack()
