"""Cloudflare Queues on a SQLite file: durable, batched, at-least-once, retries, dead letters."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgeauth.ports import JSON, Clock, QueueMessage
from edgeauth.runtime.local.sqlite import connect, transaction

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 128_000
"""Cloudflare: a message body is at most 128 KB …"""
MAX_BATCH_MESSAGES = 100
"""… and `sendBatch` takes at most 100 messages …"""
MAX_BATCH_BYTES = 256_000
"""… totalling at most 256 KB."""
MAX_RETRY_DELAY_SECONDS = 43_200
"""`retry({delaySeconds})` is capped at 12 hours."""
DEFAULT_LEASE_SECONDS = 120.0
"""How long a delivered batch stays invisible before it counts as lost (consumer crashed)."""

Handler = Callable[[Sequence[QueueMessage]], Awaitable[None]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_messages (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    queue       TEXT NOT NULL,
    body        TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    visible_at  REAL NOT NULL,
    deliveries  INTEGER NOT NULL DEFAULT 0,
    lease_id    TEXT
);
CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (queue, visible_at, seq);
"""


def _encode(body: JSON) -> str:
    """JSON-encode a body (tuples become lists); non-JSON values raise TypeError."""
    try:
        text = json.dumps(body, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"queue message body cannot be serialized: {exc}") from exc
    if len(text.encode()) > MAX_MESSAGE_BYTES:
        raise ValueError(f"message length exceeds the limit of {MAX_MESSAGE_BYTES} bytes")
    return text


@dataclass(frozen=True)
class StoredMessage:
    """A message as it sits in the queue (for inspection: the CLI, tests)."""

    id: str
    queue: str
    body: JSON
    deliveries: int
    visible_at: float
    leased: bool


class LocalQueueMessage:
    """One delivered message (`batch.messages[i]`): `ack()` / `retry()`, the first call wins."""

    def __init__(self, message_id: str, body: JSON, attempts: int) -> None:
        self.id = message_id
        self.body = body
        self.attempts = attempts  # delivery attempt, starting at 1
        self.decision: tuple[str, int] | None = None

    def ack(self) -> None:
        """`msg.ack()`: never delivered again, even if the handler then throws."""
        self._decide(("ack", 0))

    def retry(self, delay_seconds: int = 0) -> None:
        """`msg.retry({delaySeconds})`: delivered again after the delay (counts an attempt)."""
        if not 0 <= delay_seconds <= MAX_RETRY_DELAY_SECONDS:
            raise ValueError(f"delaySeconds must be between 0 and {MAX_RETRY_DELAY_SECONDS}")
        self._decide(("retry", int(delay_seconds)))

    def _decide(self, decision: tuple[str, int]) -> None:
        if self.decision is None:
            self.decision = decision
        elif self.decision[0] != decision[0]:
            log.warning("%s() on message %s after %s() has no effect", decision[0], self.id, self.decision[0])


class LocalQueueProducer:
    """A producer binding (`env.USER_EVENTS`): JSON bodies appended to one queue."""

    def __init__(self, queue: SqliteQueue, queue_name: str) -> None:
        self._queue = queue
        self._name = queue_name

    @property
    def queue_name(self) -> str:
        """The queue this binding sends to."""
        return self._name

    async def send(self, body: JSON) -> None:
        """`queue.send(body)`."""
        self._queue.enqueue(self._name, [_encode(body)])

    async def send_batch(self, bodies: Sequence[JSON]) -> None:
        """`queue.sendBatch([{body}, …])`: all or nothing, at most 100 messages / 256 KB."""
        if len(bodies) > MAX_BATCH_MESSAGES:
            raise ValueError(f"batch message count exceeds the limit of {MAX_BATCH_MESSAGES}")
        encoded = [_encode(body) for body in bodies]
        if sum(len(text.encode()) for text in encoded) > MAX_BATCH_BYTES:
            raise ValueError(f"batch size exceeds the limit of {MAX_BATCH_BYTES} bytes")
        self._queue.enqueue(self._name, encoded)


class SqliteQueue:
    """Every queue of the deployment in one SQLite file; messages survive restarts.

    Delivery follows Cloudflare's consumer rules: a handler that returns acknowledges every
    message it did not `retry()`; a handler that raises has every message it did not `ack()`
    retried. A message on its `max_retries + 1`-th failed delivery goes to the dead-letter queue
    (body and id kept) or is dropped. A delivered batch is leased for `lease_seconds`: if the
    process dies before settling it, the batch becomes visible again when the lease runs out,
    and that lost delivery counts as an attempt.
    """

    def __init__(
        self, path: Path, clock: Clock = time.time, *, lease_seconds: float = DEFAULT_LEASE_SECONDS
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
        self._conn = connect(path)
        self._conn.executescript(_SCHEMA)
        self._clock = clock
        self._lease_seconds = lease_seconds

    def producer(self, queue_name: str) -> LocalQueueProducer:
        """The producer binding for `queue_name`."""
        return LocalQueueProducer(self, queue_name)

    def enqueue(self, queue_name: str, encoded_bodies: Sequence[str]) -> None:
        """Append already JSON-encoded bodies, visible now, in one transaction."""
        now = self._clock()
        with transaction(self._conn):
            self._conn.executemany(
                "INSERT INTO queue_messages (id, queue, body, enqueued_at, visible_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(uuid.uuid4().hex, queue_name, text, now, now) for text in encoded_bodies],
            )

    def release_leases(self) -> int:
        """Make every leased message visible again now; returns how many. For a consumer that
        starts: the only consumer of this file, so any lease is a dead process's batch, which
        would otherwise wait out its lease (the lost delivery still counts as an attempt)."""
        with transaction(self._conn):
            return self._conn.execute(
                "UPDATE queue_messages SET lease_id = NULL, visible_at = ? WHERE lease_id IS NOT NULL",
                (self._clock(),),
            ).rowcount

    def backlog(self, queue_name: str) -> tuple[int, float | None]:
        """(visible messages, since when the oldest of them has been visible)."""
        row = self._conn.execute(
            "SELECT count(*) AS n, min(visible_at) AS oldest FROM queue_messages "
            "WHERE queue = ? AND visible_at <= ?",
            (queue_name, self._clock()),
        ).fetchone()
        return int(row["n"]), row["oldest"]

    def peek(self, queue_name: str, limit: int = 100) -> list[StoredMessage]:
        """Messages of a queue in delivery order, without delivering them."""
        now = self._clock()
        rows = self._conn.execute(
            "SELECT id, queue, body, deliveries, visible_at, lease_id FROM queue_messages "
            "WHERE queue = ? ORDER BY visible_at, seq LIMIT ?",
            (queue_name, limit),
        ).fetchall()
        return [
            StoredMessage(
                id=row["id"],
                queue=row["queue"],
                body=json.loads(row["body"]),
                deliveries=row["deliveries"],
                visible_at=row["visible_at"],
                leased=row["lease_id"] is not None and row["visible_at"] > now,
            )
            for row in rows
        ]

    async def deliver(
        self,
        queue_name: str,
        handler: Handler,
        *,
        max_batch_size: int,
        max_retries: int,
        dead_letter_queue: str | None,
        retry_delay: int = 0,
    ) -> int:
        """Deliver one batch of up to `max_batch_size` visible messages; returns its size."""
        max_deliveries = max_retries + 1
        lease_id = uuid.uuid4().hex
        now = self._clock()
        batch: list[dict[str, Any]] = []
        with transaction(self._conn):
            # Leased rows become invisible and exhausted ones leave, so each round makes progress.
            while len(batch) < max_batch_size:
                rows = self._conn.execute(
                    "SELECT id, body, deliveries, lease_id FROM queue_messages "
                    "WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?",
                    (queue_name, now, max_batch_size - len(batch)),
                ).fetchall()
                if not rows:
                    break
                leased = []
                for row in rows:
                    if row["deliveries"] >= max_deliveries:  # its last delivery's consumer died
                        self._give_up(row["id"], row["lease_id"], dead_letter_queue, now)
                        continue
                    leased.append((lease_id, now + self._lease_seconds, row["id"]))
                    batch.append(row)
                self._conn.executemany(
                    "UPDATE queue_messages SET deliveries = deliveries + 1, lease_id = ?, "
                    "visible_at = ? WHERE id = ?",
                    leased,
                )
        if not batch:
            return 0
        messages = [
            LocalQueueMessage(row["id"], json.loads(row["body"]), row["deliveries"] + 1) for row in batch
        ]
        settle = (messages, lease_id, max_deliveries, dead_letter_queue, retry_delay)
        try:
            await handler(messages)
        except Exception:
            log.exception("queue %s: consumer raised; un-acked messages are retried", queue_name)
            self._settle(*settle, handler_failed=True)
        except BaseException:  # cancelled mid-batch: settle as a failure, then propagate
            self._settle(*settle, handler_failed=True)
            raise
        else:
            self._settle(*settle, handler_failed=False)
        return len(messages)

    def _settle(
        self,
        messages: Sequence[LocalQueueMessage],
        lease_id: str,
        max_deliveries: int,
        dead_letter_queue: str | None,
        retry_delay: int,
        *,
        handler_failed: bool,
    ) -> None:
        """Apply ack/retry decisions plus Cloudflare's implicit rule for undecided messages."""
        now = self._clock()
        acked = []
        with transaction(self._conn):
            for message in messages:
                implicit = ("retry", retry_delay) if handler_failed else ("ack", 0)
                kind, delay = message.decision or implicit
                if kind == "ack":
                    acked.append((message.id, lease_id))
                elif message.attempts >= max_deliveries:
                    self._give_up(message.id, lease_id, dead_letter_queue, now)
                else:
                    self._conn.execute(
                        "UPDATE queue_messages SET visible_at = ?, lease_id = NULL "
                        "WHERE id = ? AND lease_id = ?",
                        (now + delay, message.id, lease_id),
                    )
            self._conn.executemany("DELETE FROM queue_messages WHERE id = ? AND lease_id = ?", acked)

    def _give_up(
        self, message_id: str, lease_id: str | None, dead_letter_queue: str | None, now: float
    ) -> None:
        """Out of retries: move to the dead-letter queue (same id and body) or drop."""
        row: Any = self._conn.execute(
            "SELECT body FROM queue_messages WHERE id = ? AND lease_id IS ?",
            (message_id, lease_id),
        ).fetchone()
        if row is None:  # the lease was lost to another consumer meanwhile
            return
        self._conn.execute("DELETE FROM queue_messages WHERE id = ?", (message_id,))
        if dead_letter_queue is None:
            log.warning("dropped message %s after its last retry", message_id)
            return
        log.warning("moved message %s to dead-letter queue %s", message_id, dead_letter_queue)
        self._conn.execute(
            "INSERT INTO queue_messages (id, queue, body, enqueued_at, visible_at) VALUES (?, ?, ?, ?, ?)",
            (message_id, dead_letter_queue, row["body"], now, now),
        )

    def close(self) -> None:
        """Close the SQLite connection."""
        self._conn.close()
