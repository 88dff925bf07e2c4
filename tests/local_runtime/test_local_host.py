"""LocalRuntime: the bindings wired into a Platform, and the background loops end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edgeauth.platform import Platform, Settings
from edgeauth.ports import ObjectState, QueueMessage
from edgeauth.runtime.local.config import WorkerConfig
from edgeauth.runtime.local.host import LocalRuntime
from tests.local_runtime.support import ManualClock, NoCrypto, eventually

WRANGLER = """
name = "test"

[[durable_objects.bindings]]
name = "USERS"
class_name = "Profile"

[[kv_namespaces]]
binding = "CONFIG"
id = "x"

[[d1_databases]]
binding = "DB"
database_name = "test"
database_id = "y"
migrations_dir = "migrations"

[[queues.producers]]
binding = "USER_EVENTS"
queue = "events"

[[queues.consumers]]
queue = "events"
max_batch_size = 3
max_batch_timeout = 5
max_retries = 1
dead_letter_queue = "events-dlq"

[triggers]
crons = ["0 3 * * *", "*/30 * * * *"]
"""

MIGRATION = "CREATE TABLE synced (email TEXT PRIMARY KEY, version INTEGER NOT NULL);"


class Profile:
    """A user object that publishes its changes to the queue, as the design's UserObject does."""

    RPC_METHODS = ("update", "schedule", "alarms")

    def __init__(self, state: ObjectState, env: Platform) -> None:
        self.state = state
        self.env = env
        state.storage.exec("CREATE TABLE IF NOT EXISTS p (email TEXT, version INTEGER)")
        state.storage.exec("CREATE TABLE IF NOT EXISTS fired (at INTEGER)")

    async def update(self, email: str) -> int:
        rows = self.state.storage.exec("SELECT version FROM p")
        version = rows[0]["version"] + 1 if rows else 1
        self.state.storage.exec("DELETE FROM p")
        self.state.storage.exec("INSERT INTO p VALUES (?, ?)", email, version)
        await self.env.user_events.send({"email": email, "version": version})
        return version

    async def schedule(self, at_ms: int) -> None:
        await self.state.storage.set_alarm(at_ms)

    async def alarms(self) -> list[int]:
        return [row["at"] for row in self.state.storage.exec("SELECT at FROM fired")]

    async def alarm(self) -> None:
        self.state.storage.exec("INSERT INTO fired VALUES (?)", int(self.env.clock() * 1000))


class Consumer:
    """The queue consumer: upserts into D1 by version (idempotent), fails on request."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[Any]]] = []

    async def __call__(self, platform: Platform, queue_name: str, messages: Sequence[QueueMessage]) -> None:
        self.batches.append((queue_name, [m.body for m in messages]))
        for message in messages:
            if message.body.get("poison"):
                raise RuntimeError("cannot process")
            await platform.db.run(
                "INSERT INTO synced VALUES (?, ?) ON CONFLICT (email) DO UPDATE "
                "SET version = max(version, excluded.version)",
                message.body["email"],
                message.body["version"],
            )
            message.ack()  # a later failure in this batch must not redeliver it

    @property
    def delivered(self) -> int:
        return sum(len(bodies) for _, bodies in self.batches)


class Scheduled:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, platform: Platform, cron: str, scheduled_ms: int) -> None:
        assert isinstance(platform, Platform)
        self.calls.append((cron, scheduled_ms))


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def config(tmp_path: Path) -> WorkerConfig:
    project = tmp_path / "project"
    (project / "migrations").mkdir(parents=True)
    (project / "migrations" / "0001_synced.sql").write_text(MIGRATION)
    (project / "wrangler.toml").write_text(WRANGLER)
    return WorkerConfig.load(project / "wrangler.toml")


@pytest.fixture
def consumer() -> Consumer:
    return Consumer()


@pytest.fixture
def scheduled() -> Scheduled:
    return Scheduled()


def make_runtime(
    tmp_path: Path, config: WorkerConfig, clock: ManualClock, consumer: Consumer, scheduled: Scheduled
) -> LocalRuntime:
    return LocalRuntime(
        tmp_path / "data",
        config=config,
        crypto=NoCrypto(),  # type: ignore[arg-type]
        settings=Settings(default_tenant="t0"),
        clock=clock,
        object_classes={"USERS": Profile},
        queue_handler=consumer,
        scheduled_handler=scheduled,
        poll_interval=0.005,
    )


@pytest.fixture
def runtime(
    tmp_path: Path, config: WorkerConfig, clock: ManualClock, consumer: Consumer, scheduled: Scheduled
) -> LocalRuntime:
    return make_runtime(tmp_path, config, clock, consumer, scheduled)


async def test_platform_is_wired_from_the_data_folder(runtime: LocalRuntime, tmp_path: Path) -> None:
    platform = runtime.platform
    assert platform.settings.default_tenant == "t0"
    assert platform.now() == int(runtime.platform.clock())
    await platform.config.put("t0:k", "v")
    assert await platform.config.get("t0:k") == "v"
    assert await platform.db.all("SELECT * FROM synced") == []  # migrations applied on open
    assert await platform.users.get_by_name("t0:a@x.test").call("update", "a@x.test") == 1
    data = tmp_path / "data"
    assert {p.name for p in data.iterdir()} >= {"kv.sqlite", "d1.sqlite", "queue.sqlite", "objects"}
    assert (data / "objects" / "USERS").is_dir()


async def test_consumer_loop_delivers_full_batches_at_once_and_partial_ones_after_the_timeout(
    runtime: LocalRuntime, consumer: Consumer, clock: ManualClock
) -> None:
    users = runtime.platform.users
    await runtime.start()
    try:
        for name in ["a", "b", "c"]:  # a full batch (max_batch_size = 3)
            await users.get_by_name(f"t0:{name}").call("update", f"{name}@x.test")
        await eventually(lambda: consumer.delivered == 3)
        assert await runtime.platform.db.all("SELECT * FROM synced ORDER BY email") == [
            {"email": "a@x.test", "version": 1},
            {"email": "b@x.test", "version": 1},
            {"email": "c@x.test", "version": 1},
        ]
        await users.get_by_name("t0:a").call("update", "a@x.test")
        await asyncio.sleep(0.05)  # ~10 polls: the batch is not full and the clock has not moved
        assert consumer.delivered == 3
        clock.advance(5)  # max_batch_timeout
        await eventually(lambda: consumer.delivered == 4)
        assert await runtime.platform.db.first("SELECT version FROM synced WHERE email = ?", "a@x.test") == {
            "version": 2
        }
    finally:
        await runtime.stop()


async def test_failed_messages_are_retried_then_dead_lettered_through_the_loop(
    runtime: LocalRuntime, consumer: Consumer, clock: ManualClock
) -> None:
    await runtime.platform.user_events.send({"poison": True})
    await runtime.start()
    try:
        clock.advance(5)
        await eventually(lambda: consumer.delivered == 1)
        clock.advance(5)  # the retried message waits for a batch again
        await eventually(lambda: consumer.delivered == 2)  # max_retries = 1: no third delivery
        await eventually(lambda: runtime.queue.peek("events-dlq") != [])
        assert [m.body for m in runtime.queue.peek("events-dlq")] == [{"poison": True}]
    finally:
        await runtime.stop()


async def test_alarm_loop_fires_due_alarms(runtime: LocalRuntime, clock: ManualClock) -> None:
    stub = runtime.platform.users.get_by_name("t0:a")
    due_ms = int(clock() * 1000) + 1_000
    await stub.call("schedule", due_ms)
    await runtime.start()
    try:
        await eventually(lambda: runtime.namespaces["USERS"].next_alarm_ms() == due_ms)
        assert await stub.call("alarms") == []
        clock.advance(1)
        await eventually(lambda: runtime.namespaces["USERS"].next_alarm_ms() is None)
        assert await stub.call("alarms") == [due_ms]
    finally:
        await runtime.stop()


async def test_cron_loop_calls_the_scheduled_handler(
    tmp_path: Path, config: WorkerConfig, consumer: Consumer, scheduled: Scheduled
) -> None:
    clock = ManualClock(ts("2026-06-01T02:59:00"))
    runtime = make_runtime(tmp_path, config, clock, consumer, scheduled)
    await runtime.start()
    try:
        clock.advance(60)
        await eventually(lambda: len(scheduled.calls) == 2)
        fire_ms = int(ts("2026-06-01T03:00:00") * 1000)
        assert sorted(scheduled.calls) == [("*/30 * * * *", fire_ms), ("0 3 * * *", fire_ms)]
    finally:
        await runtime.stop()


async def test_stop_cancels_the_loops(runtime: LocalRuntime) -> None:
    await runtime.start()
    tasks = runtime.tasks
    assert runtime.running and len(tasks) == 3 and not any(task.done() for task in tasks)
    await runtime.start()  # already running: no second set of loops
    assert runtime.tasks == tasks
    await runtime.stop()
    assert not runtime.running and all(task.done() for task in tasks)
    await runtime.stop()  # stopping twice is harmless


async def test_trigger_scheduled(runtime: LocalRuntime, scheduled: Scheduled, clock: ManualClock) -> None:
    now_ms = int(clock() * 1000)
    await runtime.trigger_scheduled()
    assert scheduled.calls == [("0 3 * * *", now_ms), ("*/30 * * * *", now_ms)]
    await runtime.trigger_scheduled("0 3 * * *")
    assert scheduled.calls[-1] == ("0 3 * * *", now_ms)


async def test_drain_queues_delivers_everything_visible(runtime: LocalRuntime, consumer: Consumer) -> None:
    producer = runtime.platform.user_events
    for i in range(7):
        await producer.send({"email": f"u{i}@x.test", "version": 1})
    await producer.send({"poison": True})
    delivered = await runtime.drain_queues()
    assert delivered == 9  # 8 messages, the poison one twice (max_retries = 1)
    assert [len(bodies) for _, bodies in consumer.batches] == [3, 3, 2, 1]
    assert len(await runtime.platform.db.all("SELECT * FROM synced")) == 7
    assert runtime.queue.backlog("events") == (0, None)
    assert len(runtime.queue.peek("events-dlq")) == 1  # no consumer: it stays there
    assert await runtime.drain_queues() == 0


async def test_everything_survives_a_restart(
    tmp_path: Path, config: WorkerConfig, clock: ManualClock, consumer: Consumer, scheduled: Scheduled
) -> None:
    first = make_runtime(tmp_path, config, clock, consumer, scheduled)
    await first.platform.config.put("t0:k", "v", ttl=3600)
    await first.platform.users.get_by_name("t0:a").call("update", "a@x.test")
    due_ms = int(clock() * 1000) + 10
    await first.platform.users.get_by_name("t0:a").call("schedule", due_ms)
    first.close()

    second = make_runtime(tmp_path, config, clock, consumer, scheduled)
    assert await second.platform.config.get("t0:k") == "v"
    assert await second.platform.users.get_by_name("t0:a").call("update", "a@x.test") == 2
    assert await second.drain_queues() == 2
    assert await second.platform.db.all("SELECT * FROM synced") == [{"email": "a@x.test", "version": 2}]
    clock.advance(1)
    assert await second.run_due_alarms() == 1
    second.close()


async def test_async_context_manager(runtime: LocalRuntime, consumer: Consumer, clock: ManualClock) -> None:
    async with runtime:
        await runtime.platform.user_events.send({"email": "a@x.test", "version": 1})
        clock.advance(5)
        await eventually(lambda: consumer.delivered == 1)


def test_a_configured_binding_without_a_class_is_an_error(
    tmp_path: Path, config: WorkerConfig, clock: ManualClock
) -> None:
    with pytest.raises(ValueError, match="USERS"):
        LocalRuntime(
            tmp_path / "data",
            config=config,
            crypto=NoCrypto(),  # type: ignore[arg-type]
            settings=Settings(),
            clock=clock,
            object_classes={},
            queue_handler=Consumer(),
            scheduled_handler=Scheduled(),
        )
