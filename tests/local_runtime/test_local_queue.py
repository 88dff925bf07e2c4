"""SqliteQueue: Cloudflare Queues delivery rules on a SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from edgeauth.ports import QueueMessage
from edgeauth.runtime.local.queue import SqliteQueue
from tests.local_runtime.support import ManualClock

Q = "edgeauth-user-events"
DLQ = "edgeauth-user-events-dlq"


@pytest.fixture
def queue(tmp_path: Path, clock: ManualClock) -> SqliteQueue:
    return SqliteQueue(tmp_path / "queue.sqlite", clock, lease_seconds=60)


class Recorder:
    """A consumer that records (body, attempts) and then does what `act` says."""

    def __init__(self, act: Callable[[QueueMessage], None] | None = None, *, fail: bool = False) -> None:
        self.batches: list[list[tuple[Any, int]]] = []
        self.act = act
        self.fail = fail

    async def __call__(self, messages: Sequence[QueueMessage]) -> None:
        self.batches.append([(m.body, m.attempts) for m in messages])
        for message in messages:
            if self.act is not None:
                self.act(message)
        if self.fail:
            raise RuntimeError("consumer failed")


async def deliver(
    queue: SqliteQueue, handler: Any, *, size: int = 10, retries: int = 3, dlq: Any = DLQ
) -> int:
    return await queue.deliver(Q, handler, max_batch_size=size, max_retries=retries, dead_letter_queue=dlq)


async def test_messages_are_delivered_in_batches_in_order(queue: SqliteQueue) -> None:
    producer = queue.producer(Q)
    for i in range(23):
        await producer.send({"n": i})
    handler = Recorder()
    assert [await deliver(queue, handler) for _ in range(4)] == [10, 10, 3, 0]
    assert [body["n"] for batch in handler.batches for body, _ in batch] == list(range(23))
    assert all(attempts == 1 for batch in handler.batches for _, attempts in batch)


async def test_returning_normally_acks_every_message(queue: SqliteQueue) -> None:
    """Cloudflare: messages neither acked nor retried are acknowledged when queue() returns."""
    await queue.producer(Q).send_batch(["a", "b"])
    assert await deliver(queue, Recorder()) == 2
    assert await deliver(queue, Recorder()) == 0
    assert queue.peek(Q) == []


async def test_a_failing_batch_retries_only_unacked_messages(queue: SqliteQueue) -> None:
    await queue.producer(Q).send_batch([1, 2, 3, 4])

    def ack_odd(message: QueueMessage) -> None:
        if message.body % 2:
            message.ack()

    assert await deliver(queue, Recorder(ack_odd, fail=True)) == 4
    again = Recorder()
    assert await deliver(queue, again) == 2
    assert again.batches == [[(2, 2), (4, 2)]]
    assert queue.peek(Q) == []


async def test_explicit_retry_with_delay(queue: SqliteQueue, clock: ManualClock) -> None:
    await queue.producer(Q).send_batch(["later", "now"])

    def retry_later(message: QueueMessage) -> None:
        if message.body == "later":
            message.retry(delay_seconds=30)

    assert await deliver(queue, Recorder(retry_later)) == 2
    assert await deliver(queue, Recorder()) == 0  # "now" was acked implicitly, "later" waits
    clock.advance(29)
    assert queue.backlog(Q) == (0, None)
    clock.advance(1)
    assert queue.backlog(Q) == (1, clock.now)
    handler = Recorder()
    assert await deliver(queue, handler) == 1
    assert handler.batches == [[("later", 2)]]


async def test_first_of_ack_and_retry_wins(queue: SqliteQueue) -> None:
    await queue.producer(Q).send_batch(["ack-first", "retry-first"])

    def both(message: QueueMessage) -> None:
        if message.body == "ack-first":
            message.ack()
            message.retry()
        else:
            message.retry()
            message.ack()

    await deliver(queue, Recorder(both))
    handler = Recorder()
    await deliver(queue, handler)
    assert handler.batches == [[("retry-first", 2)]]


async def test_retry_delay_is_bounded(queue: SqliteQueue) -> None:
    await queue.producer(Q).send("x")

    def too_long(message: QueueMessage) -> None:
        message.retry(delay_seconds=43_201)

    await deliver(queue, Recorder(too_long))  # the ValueError fails the batch: retried
    assert [m.deliveries for m in queue.peek(Q)] == [1]


async def test_dead_letter_after_max_retries_keeps_the_body(queue: SqliteQueue) -> None:
    body = {"type": "user.updated", "user_id": "auth0|1", "version": 3, "tags": ["a", "b"]}
    await queue.producer(Q).send(body)
    failing = Recorder(fail=True)
    for _ in range(3):  # max_retries=2: three deliveries in all
        assert await deliver(queue, failing, retries=2) == 1
    assert [attempts for batch in failing.batches for _, attempts in batch] == [1, 2, 3]
    assert await deliver(queue, failing, retries=2) == 0
    [dead] = queue.peek(DLQ)
    assert dead.body == body
    assert queue.peek(Q) == []
    # the dead-letter queue is an ordinary queue
    reader = Recorder()
    assert await queue.deliver(DLQ, reader, max_batch_size=10, max_retries=3, dead_letter_queue=None) == 1
    assert reader.batches == [[(body, 1)]]


async def test_explicit_retries_count_toward_the_dead_letter_queue(queue: SqliteQueue) -> None:
    await queue.producer(Q).send("again")
    retrying = Recorder(lambda m: m.retry())
    for _ in range(4):
        await deliver(queue, retrying, retries=3)
    assert [a for batch in retrying.batches for _, a in batch] == [1, 2, 3, 4]
    assert [m.body for m in queue.peek(DLQ)] == ["again"]


async def test_without_a_dead_letter_queue_the_message_is_dropped(queue: SqliteQueue) -> None:
    await queue.producer(Q).send("lost")
    await deliver(queue, Recorder(fail=True), retries=0, dlq=None)
    assert queue.peek(Q) == []
    assert queue.peek(DLQ) == []


async def test_messages_survive_a_restart(tmp_path: Path, queue: SqliteQueue, clock: ManualClock) -> None:
    await queue.producer(Q).send_batch([{"n": 1}, {"n": 2}])
    queue.close()
    reopened = SqliteQueue(tmp_path / "queue.sqlite", clock)
    handler = Recorder()
    assert await deliver(reopened, handler) == 2
    assert handler.batches == [[({"n": 1}, 1), ({"n": 2}, 1)]]


async def test_a_batch_leased_by_a_crashed_runtime_is_redelivered(tmp_path: Path, clock: ManualClock) -> None:
    crashed = SqliteQueue(tmp_path / "queue.sqlite", clock, lease_seconds=60)
    await crashed.producer(Q).send_batch(["a", "b"])
    started = asyncio.Event()

    async def hangs(messages: Sequence[QueueMessage]) -> None:
        started.set()
        await asyncio.Event().wait()  # the process "dies" here: the batch is never settled

    stuck = asyncio.create_task(
        crashed.deliver(Q, hangs, max_batch_size=10, max_retries=3, dead_letter_queue=DLQ)
    )
    await started.wait()

    restarted = SqliteQueue(tmp_path / "queue.sqlite", clock, lease_seconds=60)
    handler = Recorder()
    assert await deliver(restarted, handler) == 0  # still leased
    clock.advance(60)
    assert await deliver(restarted, handler) == 2
    assert handler.batches == [[("a", 2), ("b", 2)]]  # the lost delivery counted as an attempt

    stuck.cancel()  # the old consumer's late settlement must not resurrect anything
    with pytest.raises(asyncio.CancelledError):
        await stuck
    assert restarted.peek(Q) == []


async def test_a_message_whose_last_delivery_was_lost_goes_to_the_dead_letter_queue(
    tmp_path: Path, queue: SqliteQueue, clock: ManualClock
) -> None:
    await queue.producer(Q).send("doomed")
    await deliver(queue, Recorder(fail=True), retries=1)  # delivery 1 failed
    started = asyncio.Event()

    async def hangs(messages: Sequence[QueueMessage]) -> None:
        started.set()
        await asyncio.Event().wait()

    stuck = asyncio.create_task(deliver(queue, hangs, retries=1))  # delivery 2 lost
    await started.wait()
    clock.advance(60)
    restarted = SqliteQueue(tmp_path / "queue.sqlite", clock)
    assert await deliver(restarted, Recorder(), retries=1) == 0
    assert [m.body for m in restarted.peek(DLQ)] == ["doomed"]
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck


async def test_cancelled_consumer_settles_its_batch_as_failed(queue: SqliteQueue) -> None:
    await queue.producer(Q).send_batch(["acked", "pending"])
    started = asyncio.Event()

    async def ack_first_then_hang(messages: Sequence[QueueMessage]) -> None:
        messages[0].ack()
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(deliver(queue, ack_first_then_hang))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    handler = Recorder()
    assert await deliver(queue, handler) == 1  # visible again at once, not after the lease
    assert handler.batches == [[("pending", 2)]]


async def test_bodies_are_json(queue: SqliteQueue) -> None:
    producer = queue.producer(Q)
    await producer.send(("a", 1))
    handler = Recorder()
    await deliver(queue, handler)
    assert handler.batches == [[(["a", 1], 1)]]
    for bad in [b"bytes", {1}, object(), float("inf")]:
        with pytest.raises(TypeError):
            await producer.send(bad)


async def test_size_limits(queue: SqliteQueue) -> None:
    producer = queue.producer(Q)
    with pytest.raises(ValueError):
        await producer.send("x" * 128_001)
    with pytest.raises(ValueError):
        await producer.send_batch(list(range(101)))
    with pytest.raises(ValueError):
        await producer.send_batch(["x" * 100_000] * 3)
    assert queue.peek(Q) == []  # nothing of a rejected batch was sent


async def test_backlog_reports_the_oldest_visible_message(queue: SqliteQueue, clock: ManualClock) -> None:
    assert queue.backlog(Q) == (0, None)
    start = clock.now
    await queue.producer(Q).send(1)
    clock.advance(3)
    await queue.producer(Q).send(2)
    assert queue.backlog(Q) == (2, start)
    assert queue.backlog(DLQ) == (0, None)


async def test_exhausted_messages_do_not_starve_the_batch(
    tmp_path: Path, queue: SqliteQueue, clock: ManualClock
) -> None:
    """Lost deliveries that used up their retries are dead-lettered and the batch is filled on."""
    await queue.producer(Q).send_batch(["lost-1", "lost-2"])
    started = asyncio.Event()

    async def hangs(messages: Sequence[QueueMessage]) -> None:
        started.set()
        await asyncio.Event().wait()

    stuck = asyncio.create_task(deliver(queue, hangs, retries=0))
    await started.wait()
    clock.advance(60)  # the lost batch is visible again, ahead of what is sent now
    await queue.producer(Q).send_batch(["fresh-1", "fresh-2"])
    assert [m.body for m in queue.peek(Q)] == ["lost-1", "lost-2", "fresh-1", "fresh-2"]
    restarted = SqliteQueue(tmp_path / "queue.sqlite", clock)
    handler = Recorder()
    assert await deliver(restarted, handler, size=2, retries=0) == 2
    assert handler.batches == [[("fresh-1", 1), ("fresh-2", 1)]]
    assert [m.body for m in restarted.peek(DLQ)] == ["lost-1", "lost-2"]
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
