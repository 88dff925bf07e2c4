"""Durable Objects on SQLite files: one file per object, one call at a time, durable alarms."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from edgeauth.platform import Platform
from edgeauth.ports import JSON, ObjectState, ObjectStorage, QueueProducer, SqlParam
from edgeauth.runtime.local.sqlite import connect, transaction

log = logging.getLogger(__name__)

ALARM_MAX_RETRIES = 6
"""Cloudflare retries a throwing `alarm()` up to 6 times with exponential backoff …"""
ALARM_FIRST_BACKOFF_MS = 2_000
"""… starting 2 s after the first failure."""

_OBJECT_ID = re.compile(r"[0-9a-f]{64}")
_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
_RESERVED_TABLE = re.compile(r"\b_cf_", re.I)

_ALARM_TABLE = (
    "CREATE TABLE IF NOT EXISTS _cf_alarm (only INTEGER PRIMARY KEY CHECK (only = 0), "
    "scheduled_ms INTEGER NOT NULL)"
)
_ALARM_INDEX = """
CREATE TABLE IF NOT EXISTS alarms (
    object_id       TEXT PRIMARY KEY,
    scheduled_ms    INTEGER NOT NULL,
    retry_count     INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alarms_due ON alarms (next_attempt_ms);
"""


# Built-in exceptions that come back from a Durable Object as themselves (the Cloudflare adapter
# rebuilds them from the traceback's last line); any other exception arrives as RuntimeError.
REMOTE_ERROR_TYPES: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    KeyError,
    LookupError,
    IndexError,
    PermissionError,
    NotImplementedError,
    RuntimeError,
)


def remote_error(exc: Exception) -> Exception:
    """What the caller of a Durable Object sees of `exc` raised inside it (Workers RPC errors)."""
    if type(exc) in REMOTE_ERROR_TYPES:
        return type(exc)(*exc.args)
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return RuntimeError(f"{name}: {exc}")


def structured_clone(value: JSON) -> JSON:
    """What survives RPC serialisation: JSON-like data, tuples as lists; anything else TypeError."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"could not serialize value for RPC: {exc}") from exc


class LocalObjectStorage:
    """`ctx.storage` of a SQLite-backed Durable Object: synchronous `sql.exec` plus one alarm."""

    def __init__(self, conn: sqlite3.Connection, *, has_alarm_handler: bool) -> None:
        self._conn = conn
        self._has_alarm_handler = has_alarm_handler
        self.alarm_changed = False
        conn.execute(_ALARM_TABLE)

    def exec(self, sql: str, *params: SqlParam) -> list[dict[str, Any]]:
        """`ctx.storage.sql.exec(sql, *bindings).toArray()`."""
        if _TRANSACTION_CONTROL.match(sql):
            # Cloudflare: "To execute a transaction, please use the state.storage.transaction()
            # API instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements."
            raise sqlite3.OperationalError(
                "transaction statements are not allowed in sql.exec(); every call already runs "
                "in one transaction"
            )
        if _RESERVED_TABLE.search(sql):
            raise sqlite3.OperationalError("access to _cf_ tables is not authorized: SQLITE_AUTH")
        return self._conn.execute(sql, params).fetchall()

    async def set_alarm(self, epoch_ms: int) -> None:
        """`ctx.storage.setAlarm(ms)`: replaces any alarm; needs an `alarm()` handler."""
        if not self._has_alarm_handler:
            raise TypeError(
                "Your Durable Object class must have an alarm() handler in order to call setAlarm()"
            )
        self._conn.execute(
            "INSERT INTO _cf_alarm (only, scheduled_ms) VALUES (0, ?) "
            "ON CONFLICT (only) DO UPDATE SET scheduled_ms = excluded.scheduled_ms",
            (int(epoch_ms),),
        )
        self.alarm_changed = True

    async def get_alarm(self) -> int | None:
        """`ctx.storage.getAlarm()`: epoch ms or None (None while its own `alarm()` runs)."""
        return self.read_alarm()

    async def delete_alarm(self) -> None:
        """`ctx.storage.deleteAlarm()`."""
        self._conn.execute("DELETE FROM _cf_alarm")
        self.alarm_changed = True

    def read_alarm(self) -> int | None:
        """The alarm as stored in this object's own file (the source of truth)."""
        row = self._conn.execute("SELECT scheduled_ms FROM _cf_alarm").fetchone()
        return None if row is None else int(row["scheduled_ms"])


@dataclass(frozen=True)
class LocalObjectState:
    """`ctx` of a Durable Object: its hex id and its storage."""

    id: str
    storage: ObjectStorage


@dataclass
class _Resident:
    """A live object: its connection, storage, instance (built on first use) and input gate."""

    conn: sqlite3.Connection
    storage: LocalObjectStorage
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    instance: Any = None
    users: int = 0


class _OutputGate:
    """Cloudflare's output gate for an object's queue sends: what the call has written so far is
    committed before a message leaves, and the call goes on in a new transaction. Without it, a
    process killed between a send and the end of the call would leave a queued event for a change
    that was never committed (D1 ahead of the object)."""

    def __init__(self, producer: QueueProducer, commit_so_far: Callable[[], None]) -> None:
        self._producer = producer
        self._commit_so_far = commit_so_far

    async def send(self, body: JSON) -> None:
        self._commit_so_far()
        await self._producer.send(body)

    async def send_batch(self, bodies: Sequence[JSON]) -> None:
        self._commit_so_far()
        await self._producer.send_batch(bodies)


class LocalObjectStub:
    """A stub (`env.USERS.get(id)`): RPC by method name with structured-clone arguments."""

    def __init__(self, namespace: LocalObjectNamespace, object_id: str) -> None:
        self._namespace = namespace
        self._id = object_id

    @property
    def id(self) -> str:
        """The object's 64-hex id."""
        return self._id

    async def call(self, method: str, *args: JSON) -> JSON:
        """`await stub.method(*args)`: one call at a time per object, atomic on its storage."""
        return await self._namespace.invoke(self._id, method, args)


class LocalObjectNamespace:
    """A Durable Object namespace binding hosting `object_class` from files under `root/binding`.

    Instances stay resident (at most `max_resident` idle ones are kept, like Cloudflare evicting
    idle objects). Each call holds the object's asyncio lock (the input gate) and a `BEGIN
    IMMEDIATE` transaction on its file, so other processes on the same data folder are serialised
    by SQLite; before the object sends to a queue, what the call wrote so far is committed (the
    output gate, `_OutputGate`). Stricter than Cloudflare on two points: no other call is delivered
    while a call awaits anything, and a call that raises leaves no writes behind since its last send.
    """

    def __init__(
        self,
        root: Path,
        binding: str,
        object_class: Callable[[ObjectState, Platform], Any],
        env_provider: Callable[[], Platform],
        *,
        max_resident: int = 256,
    ) -> None:
        self._dir = root / binding
        self._dir.mkdir(parents=True, exist_ok=True)
        self._binding = binding
        self._class = object_class
        self._env_provider = env_provider
        self._max_resident = max_resident
        self._rpc_methods = frozenset(getattr(object_class, "RPC_METHODS", ()))
        self._has_alarm = callable(getattr(object_class, "alarm", None))
        self._residents: OrderedDict[str, _Resident] = OrderedDict()
        self._alarms = connect(self._dir / "alarms.sqlite")
        self._alarms.executescript(_ALARM_INDEX)

    @property
    def binding(self) -> str:
        """The binding name (`USERS`)."""
        return self._binding

    def _tag(self, name_hash: str) -> str:
        return hashlib.sha256(f"edgeauth-object-id\x00{self._binding}\x00{name_hash}".encode()).hexdigest()[
            :16
        ]

    def id_from_name(self, name: str) -> str:
        """`idFromName(name).toString()`: deterministic, 64 hex digits. Like Cloudflare's ids, it
        carries a check of its namespace, so `get` refuses ids this namespace never made."""
        name_hash = hashlib.sha256(f"{self._binding}\x00{name}".encode()).hexdigest()[:48]
        return name_hash + self._tag(name_hash)

    def get(self, object_id: str) -> LocalObjectStub:
        """`get(idFromString(hex))`; a malformed or foreign id raises ValueError."""
        if not isinstance(object_id, str) or not _OBJECT_ID.fullmatch(object_id):
            raise ValueError("Invalid Durable Object ID: must be 64 lowercase hex digits")
        if object_id[48:] != self._tag(object_id[:48]):
            raise ValueError("Invalid Durable Object ID: not an id of this namespace")
        return LocalObjectStub(self, object_id)

    def get_by_name(self, name: str) -> LocalObjectStub:
        """`getByName(name)`."""
        return self.get(self.id_from_name(name))

    async def invoke(self, object_id: str, method: str, args: tuple[JSON, ...]) -> JSON:
        """Run `method(*args)` on the object: RPC checks, input gate, one transaction."""
        if method not in self._rpc_methods:
            raise TypeError(f'The RPC receiver does not implement the method "{method}".')
        wire_args = structured_clone(list(args))
        resident = self._checkout(object_id)
        try:
            async with resident.lock:
                instance = self._instance(object_id, resident)
                resident.storage.alarm_changed = False
                with transaction(resident.conn):
                    result = getattr(instance, method)(*wire_args)
                    if inspect.isawaitable(result):
                        result = await result
                    wire_result = structured_clone(result)
                    self._index_alarm_before_commit(object_id, resident)
                self._index_alarm_after_commit(object_id, resident)
        except Exception as exc:
            raise remote_error(exc) from exc
        finally:
            self._checkin(resident)
        return wire_result

    async def run_due_alarms(self, now_ms: int) -> int:
        """Fire every alarm due at `now_ms`; returns how many `alarm()` calls succeeded."""
        rows = self._alarms.execute(
            "SELECT object_id, retry_count FROM alarms WHERE next_attempt_ms <= ? ORDER BY next_attempt_ms",
            (now_ms,),
        ).fetchall()
        fired = await asyncio.gather(
            *(self._fire_alarm(row["object_id"], now_ms, row["retry_count"]) for row in rows)
        )
        return sum(fired)

    def next_alarm_ms(self) -> int | None:
        """When the earliest pending alarm (or alarm retry) is due, if any."""
        row = self._alarms.execute("SELECT min(next_attempt_ms) AS due FROM alarms").fetchone()
        return None if row is None or row["due"] is None else int(row["due"])

    def close(self) -> None:
        """Close every object's connection and the alarm index."""
        for resident in self._residents.values():
            resident.conn.close()
        self._residents.clear()
        self._alarms.close()

    # --- alarms -------------------------------------------------------------------------------

    async def _fire_alarm(self, object_id: str, now_ms: int, retry_count: int) -> bool:
        """Cloudflare: the alarm is deleted, then `alarm()` runs under the input gate."""
        resident = self._checkout(object_id)
        try:
            async with resident.lock:
                storage = resident.storage
                try:
                    instance = self._instance(object_id, resident)
                    storage.alarm_changed = False
                    with transaction(resident.conn):
                        scheduled = storage.read_alarm()
                        if scheduled is None or scheduled > now_ms:
                            stale = True  # the index was behind the object's file
                        else:
                            stale = False
                            await storage.delete_alarm()
                            await instance.alarm()
                            self._index_alarm_before_commit(object_id, resident)
                except Exception:
                    log.exception("alarm() of %s %s failed", self._binding, object_id)
                    self._alarm_failed(object_id, resident, now_ms, retry_count + 1)
                    return False
                if stale:
                    self._index_alarm(object_id, scheduled)
                    return False
                self._index_alarm_after_commit(object_id, resident)
                return True
        finally:
            self._checkin(resident)

    def _alarm_failed(self, object_id: str, resident: _Resident, now_ms: int, failures: int) -> None:
        """Retry with backoff 2 s, 4 s, 8 s …; after the 6th retry fails the alarm is dropped."""
        if failures > ALARM_MAX_RETRIES:
            log.error("alarm of %s %s dropped after %d retries", self._binding, object_id, failures)
            with transaction(resident.conn):
                resident.conn.execute("DELETE FROM _cf_alarm WHERE scheduled_ms <= ?", (now_ms,))
                remaining = resident.storage.read_alarm()
            self._index_alarm(object_id, remaining)
            return
        next_attempt = now_ms + ALARM_FIRST_BACKOFF_MS * 2 ** (failures - 1)
        self._alarms.execute(
            "UPDATE alarms SET retry_count = ?, next_attempt_ms = ? WHERE object_id = ?",
            (failures, next_attempt, object_id),
        )

    def _index_alarm_before_commit(self, object_id: str, resident: _Resident) -> None:
        """A new alarm enters the index before the call commits: a crash leaves a spurious
        entry (checked against the object's file when due), never a lost alarm."""
        if resident.storage.alarm_changed:
            scheduled = resident.storage.read_alarm()
            if scheduled is not None:
                self._index_alarm(object_id, scheduled)

    def _index_alarm_after_commit(self, object_id: str, resident: _Resident) -> None:
        """A deleted alarm leaves the index only once the deletion is committed."""
        if resident.storage.alarm_changed and resident.storage.read_alarm() is None:
            self._index_alarm(object_id, None)

    def _index_alarm(self, object_id: str, scheduled_ms: int | None) -> None:
        if scheduled_ms is None:
            self._alarms.execute("DELETE FROM alarms WHERE object_id = ?", (object_id,))
            return
        self._alarms.execute(
            "INSERT INTO alarms (object_id, scheduled_ms, retry_count, next_attempt_ms) "
            "VALUES (?, ?, 0, ?) ON CONFLICT (object_id) DO UPDATE SET "
            "scheduled_ms = excluded.scheduled_ms, retry_count = 0, "
            "next_attempt_ms = excluded.next_attempt_ms",
            (object_id, scheduled_ms, scheduled_ms),
        )

    # --- residents ----------------------------------------------------------------------------

    def _instance(self, object_id: str, resident: _Resident) -> Any:
        """The live instance, built on first use in a transaction of its own: what the
        constructor writes (its schema) stays even if the first call then fails."""
        if resident.instance is None:
            state = LocalObjectState(id=object_id, storage=resident.storage)
            env = self._env_provider()
            if isinstance(env, Platform):  # (tests host plain objects with an env of their own)
                gate = _OutputGate(env.user_events, lambda: self._commit_so_far(object_id, resident))
                env = replace(env, user_events=gate)
            with transaction(resident.conn):
                resident.instance = self._class(state, env)
        return resident.instance

    def _commit_so_far(self, object_id: str, resident: _Resident) -> None:
        """Commit the running call's writes (and index its alarm), then continue it in a new
        transaction: what an output gate guarantees before anything leaves the object."""
        conn = resident.conn
        if not conn.in_transaction:
            return
        self._index_alarm_before_commit(object_id, resident)
        conn.execute("COMMIT")
        self._index_alarm_after_commit(object_id, resident)
        resident.storage.alarm_changed = False
        conn.execute("BEGIN IMMEDIATE")

    def _checkout(self, object_id: str) -> _Resident:
        resident = self._residents.get(object_id)
        if resident is None:
            conn = connect(self._dir / f"{object_id}.sqlite")
            storage = LocalObjectStorage(conn, has_alarm_handler=self._has_alarm)
            resident = _Resident(conn=conn, storage=storage)
            self._residents[object_id] = resident
        self._residents.move_to_end(object_id)
        resident.users += 1
        return resident

    def _checkin(self, resident: _Resident) -> None:
        resident.users -= 1
        if len(self._residents) <= self._max_resident:
            return
        for object_id, candidate in list(self._residents.items()):
            if len(self._residents) <= self._max_resident:
                break
            if candidate.users == 0 and not candidate.lock.locked():
                del self._residents[object_id]
                candidate.conn.close()
