"""The embedded runtime: bindings on SQLite plus what Cloudflare runs (consumer, alarms, crons)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from edgeauth.config_store import ConfigStore
from edgeauth.platform import Platform, Settings
from edgeauth.ports import Clock, Crypto, ObjectState, QueueMessage
from edgeauth.runtime.local.config import QueueConsumer, WorkerConfig
from edgeauth.runtime.local.cron import run_cron_loop
from edgeauth.runtime.local.d1 import SqliteD1
from edgeauth.runtime.local.durable import LocalObjectNamespace
from edgeauth.runtime.local.http import UrllibFetcher
from edgeauth.runtime.local.kv import SqliteKV
from edgeauth.runtime.local.queue import DEFAULT_LEASE_SECONDS, SqliteQueue

log = logging.getLogger(__name__)

ObjectClass = Callable[[ObjectState, Platform], Any]
QueueHandler = Callable[[Platform, str, Sequence[QueueMessage]], Awaitable[None]]
"""`edgeauth.worker.queue`'s shape: (platform, queue name, messages)."""
ScheduledHandler = Callable[[Platform, str, int], Awaitable[None]]
"""`edgeauth.worker.scheduled`'s shape: (platform, cron, scheduled time in ms)."""

# The wrangler.toml bindings behind the Platform's fields.
CONFIG_KV_BINDING = "CONFIG"
USERS_BINDING = "USERS"
USER_EVENTS_BINDING = "USER_EVENTS"


def _worker() -> ModuleType:
    """`edgeauth.worker`, imported on first need (it imports the whole app)."""
    return importlib.import_module("edgeauth.worker")


class LocalRuntime:
    """Hosts the Worker on a data folder: `kv.sqlite`, `d1.sqlite`, `queue.sqlite`, `objects/`.

    `object_classes`, `queue_handler` and `scheduled_handler` default to `edgeauth.worker`'s
    `DURABLE_OBJECTS`, `queue` and `scheduled`. `poll_interval` paces the background loops;
    `batch_timeout` overrides every consumer's `max_batch_timeout` (seconds of `clock`).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        config: WorkerConfig,
        crypto: Crypto,
        settings: Settings,
        clock: Clock = time.time,
        object_classes: Mapping[str, ObjectClass] | None = None,
        queue_handler: QueueHandler | None = None,
        scheduled_handler: ScheduledHandler | None = None,
        poll_interval: float = 0.1,
        batch_timeout: float | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.config = config
        self._clock = clock
        self._queue_handler = queue_handler
        self._scheduled_handler = scheduled_handler
        self._poll_interval = poll_interval
        self._batch_timeout = batch_timeout
        self._tasks: list[asyncio.Task[None]] = []
        self._deferred: set[asyncio.Future[None]] = set()

        self.kv = {name: SqliteKV(data_dir / "kv.sqlite", name, clock) for name in config.kv_namespaces}
        self.db = SqliteD1(data_dir / "d1.sqlite")
        self.db.apply_migrations(config.migrations_dir)
        self.queue = SqliteQueue(data_dir / "queue.sqlite", clock, lease_seconds=lease_seconds)
        classes = object_classes if object_classes is not None else _worker().DURABLE_OBJECTS
        missing = set(config.durable_objects) - set(classes)
        if missing:
            raise ValueError(f"no class given for Durable Object binding(s) {sorted(missing)}")
        self.namespaces = {
            binding: LocalObjectNamespace(
                data_dir / "objects", binding, classes[binding], lambda: self.platform
            )
            for binding in config.durable_objects
        }
        config_kv: SqliteKV = self._binding(self.kv, CONFIG_KV_BINDING, "[[kv_namespaces]]")
        self.platform = Platform(
            config=ConfigStore(config_kv, stamp=config_kv.write_stamp),
            db=self.db,
            users=self._binding(self.namespaces, USERS_BINDING, "[[durable_objects.bindings]]"),
            user_events=self.queue.producer(
                self._binding(config.queue_producers, USER_EVENTS_BINDING, "[[queues.producers]]")
            ),
            crypto=crypto,
            settings=settings,
            clock=clock,
            http=UrllibFetcher(),
            defer=self._defer,
        )

    @staticmethod
    def _binding(bindings: Mapping[str, Any], name: str, table: str) -> Any:
        if name not in bindings:
            raise ValueError(f"wrangler.toml has no {table} binding named {name}")
        return bindings[name]

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the queue consumer, alarm and cron loops (no-op when already running)."""
        if self._tasks:
            return
        released = self.queue.release_leases()
        if released:
            log.warning("queue: %s message(s) leased by a consumer that died are visible again", released)
        queue_handler = self._resolve_queue_handler()
        scheduled_handler = self._resolve_scheduled_handler()

        async def on_cron(cron: str, scheduled_ms: int) -> None:
            await scheduled_handler(self.platform, cron, scheduled_ms)

        self._tasks = [
            asyncio.create_task(self._consumer_loop(queue_handler), name="edgeauth-queues"),
            asyncio.create_task(self._alarm_loop(), name="edgeauth-alarms"),
            asyncio.create_task(
                run_cron_loop(
                    self.config.crons,
                    on_cron,
                    clock=self._clock,
                    poll_interval=self._poll_interval,
                    start=self._clock(),
                ),
                name="edgeauth-cron",
            ),
        ]

    @property
    def running(self) -> bool:
        """Whether the background loops are running."""
        return bool(self._tasks)

    @property
    def tasks(self) -> tuple[asyncio.Task[None], ...]:
        """The background loops' tasks (queue consumer, alarms, cron)."""
        return tuple(self._tasks)

    async def _defer(self, work: Awaitable[None]) -> None:
        """`Platform.defer`: while serving, after the response (as `ctx.waitUntil` on Workers);
        otherwise (the CLI, one-shot triggers) at once, in the order the code reads."""
        if not self._tasks:
            await work
            return
        task = asyncio.ensure_future(work)
        self._deferred.add(task)
        task.add_done_callback(self._deferred.discard)

    async def stop(self) -> None:
        """Finish deferred work, then cancel the loops and wait for them (a batch in flight is
        settled as failed)."""
        await asyncio.gather(*self._deferred, return_exceptions=True)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(result, Exception):
                log.error("background loop ended with an error", exc_info=result)

    def close(self) -> None:
        """Close every SQLite connection (call `stop()` first)."""
        for kv in self.kv.values():
            kv.close()
        self.db.close()
        self.queue.close()
        for namespace in self.namespaces.values():
            namespace.close()

    async def __aenter__(self) -> LocalRuntime:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
        self.close()

    # --- one-shot triggers (tests, CLI, /cdn-cgi/handler/scheduled) ---------------------------

    async def trigger_scheduled(self, cron: str | None = None) -> None:
        """Run the scheduled handler now, for `cron` or for every configured cron."""
        handler = self._resolve_scheduled_handler()
        scheduled_ms = int(self._clock() * 1000)
        for each in [cron] if cron is not None else self.config.crons:
            await handler(self.platform, each, scheduled_ms)

    async def drain_queues(self) -> int:
        """Deliver batches until no consumer queue has a visible message; returns how many."""
        handler = self._resolve_queue_handler()
        total = 0
        while True:
            delivered = 0
            for consumer in self.config.queue_consumers.values():
                delivered += await self._deliver(consumer, handler)
            if not delivered:
                return total
            total += delivered

    async def run_due_alarms(self) -> int:
        """Fire every Durable Object alarm due now; returns how many succeeded."""
        now_ms = int(self._clock() * 1000)
        fired = 0
        for namespace in self.namespaces.values():
            fired += await namespace.run_due_alarms(now_ms)
        return fired

    # --- loops --------------------------------------------------------------------------------

    async def _consumer_loop(self, handler: QueueHandler) -> None:
        """Cloudflare delivers a batch when it is full or `max_batch_timeout` has passed."""
        while True:
            delivered = 0
            for consumer in self.config.queue_consumers.values():
                try:
                    if self._batch_ready(consumer):
                        delivered += await self._deliver(consumer, handler)
                except Exception:
                    log.exception("queue consumer for %s failed", consumer.queue)
            await asyncio.sleep(0 if delivered else self._poll_interval)

    async def _alarm_loop(self) -> None:
        while True:
            try:
                await self.run_due_alarms()
            except Exception:
                log.exception("alarm loop failed")
            await asyncio.sleep(self._poll_interval)

    def _batch_ready(self, consumer: QueueConsumer) -> bool:
        count, oldest = self.queue.backlog(consumer.queue)
        if count == 0 or oldest is None:
            return False
        timeout = consumer.max_batch_timeout if self._batch_timeout is None else self._batch_timeout
        return count >= consumer.max_batch_size or self._clock() - oldest >= timeout

    async def _deliver(self, consumer: QueueConsumer, handler: QueueHandler) -> int:
        async def on_batch(messages: Sequence[QueueMessage]) -> None:
            await handler(self.platform, consumer.queue, messages)

        return await self.queue.deliver(
            consumer.queue,
            on_batch,
            max_batch_size=consumer.max_batch_size,
            max_retries=consumer.max_retries,
            dead_letter_queue=consumer.dead_letter_queue,
            retry_delay=consumer.retry_delay,
        )

    def _resolve_queue_handler(self) -> QueueHandler:
        return self._queue_handler if self._queue_handler is not None else _worker().queue

    def _resolve_scheduled_handler(self) -> ScheduledHandler:
        if self._scheduled_handler is not None:
            return self._scheduled_handler
        handler: ScheduledHandler = _worker().scheduled
        return handler
