"""The Worker, runtime-neutral: what each runtime hosts (HTTP app, cron, queue consumer, Durable Objects).

`edgeauth.runtime.local` and `edgeauth.runtime.cloudflare` both serve exactly these objects.
"""

from __future__ import annotations

from collections.abc import Sequence

from durable_objects.user_object import UserObject
from edgeauth.app import create_app
from edgeauth.platform import Platform
from edgeauth.ports import QueueMessage
from edgeauth.scheduled import on_schedule
from queues.consumer import consume

app = create_app()

# Durable Object binding name -> the class it hosts (wrangler.toml [[durable_objects.bindings]]).
DURABLE_OBJECTS = {"USERS": UserObject}


async def scheduled(platform: Platform, cron: str, scheduled_time_ms: int) -> None:
    """Cron trigger (wrangler.toml [triggers])."""
    await on_schedule(platform, cron, scheduled_time_ms)


async def queue(platform: Platform, queue_name: str, messages: Sequence[QueueMessage]) -> None:
    """Queue consumer (wrangler.toml [[queues.consumers]])."""
    await consume(platform, messages)
