"""The ports over the real Workers bindings (docs/architecture.md, "One core, two runtimes").

Every adapter takes the binding as the SDK hands it out: `self.env` of a `WorkerEntrypoint` or
`DurableObject` is a `workers._EnvWrapper`, whose KV / D1 / Queue bindings are SDK binding
wrappers that convert arguments with `python_to_rpc` (None -> JS null, dict -> object, kwargs ->
trailing options object) and results with `python_from_rpc` (docs/workers-platform.md, "How the runtime
finds the Worker"). The
adapters then normalise results with `convert.to_python`, so the core only ever sees plain
JSON-like Python.
`edgeauth.runtime.cloudflare.platform` assembles them into the `Platform` the core runs on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pyodide.ffi import JsException

from edgeauth.ports import JSON, SqlParam
from edgeauth.runtime.cloudflare.convert import (
    remote_error,
    sql_params,
    to_python,
    to_rpc,
)

KV_MIN_TTL_SECONDS = 60
"""KV rejects `expirationTtl` below 60 s (`400 Invalid expiration_ttl`)."""
QUEUE_MAX_BATCH_MESSAGES = 100
"""`sendBatch` takes at most 100 messages."""
QUEUE_MAX_RETRY_DELAY_SECONDS = 43_200
"""`retry({delaySeconds})` is capped at 12 hours."""


_OBJECT_ID = re.compile(r"[0-9a-f]{64}")
_RESERVED_RPC_NAMES = frozenset({"fetch", "connect", "alarm", "then", "dup"})


# --- KV -------------------------------------------------------------------------------------


class KVStore:
    """`KeyValueStore` over a KV namespace binding (`env.CONFIG`)."""

    def __init__(self, binding: Any) -> None:
        self._kv = binding

    async def get(self, key: str) -> str | None:
        """`await KV.get(key)`: the text value, or None (JS null) when missing or expired."""
        value = to_python(await self._kv.get(key))
        return None if value is None else str(value)

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None:
        """`await KV.put(key, value, {expirationTtl})`; KV refuses a TTL below 60 s."""
        if not isinstance(value, str):
            raise TypeError(f"KV values are strings here, got {type(value).__name__}")
        if ttl is None:
            await self._kv.put(key, value)
            return
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < KV_MIN_TTL_SECONDS:
            raise ValueError(
                f"Invalid expiration_ttl of {ttl!r}. Expiration TTL must be at least {KV_MIN_TTL_SECONDS}."
            )
        await self._kv.put(key, value, expirationTtl=ttl)

    async def delete(self, key: str) -> None:
        """`await KV.delete(key)`: deleting a missing key is not an error."""
        await self._kv.delete(key)

    async def list(self, prefix: str) -> list[str]:
        """`KV.list({prefix, cursor})` over every page (1000 keys each), in key order."""
        names: list[str] = []
        cursor: str | None = None
        while True:
            if cursor is None:
                page = to_python(await self._kv.list(prefix=prefix))
            else:
                page = to_python(await self._kv.list(prefix=prefix, cursor=cursor))
            names.extend(str(entry["name"]) for entry in page.get("keys") or [])
            cursor = page.get("cursor") or None
            if page.get("list_complete", True) or cursor is None:
                return names


# --- D1 -------------------------------------------------------------------------------------


def _d1_row(row: dict[str, Any]) -> dict[str, Any]:
    """A D1 result row; D1 returns a BLOB as an array of byte values (the only array a column
    can hold), made `bytes` as sqlite3 gives it locally."""
    return {key: bytes(value) if isinstance(value, list) else value for key, value in row.items()}


class D1Database:
    """`Database` over a D1 binding (`env.DB`): `prepare(sql).bind(*params)` per statement."""

    def __init__(self, binding: Any) -> None:
        self._db = binding

    def _statement(self, sql: str, params: Sequence[SqlParam]) -> Any:
        """`DB.prepare(sql).bind(...)`; None binds as SQL NULL (JS null), bytes as a BLOB."""
        statement = self._db.prepare(sql)
        if params:
            statement = statement.bind(*sql_params(params))
        return statement

    async def all(self, sql: str, *params: SqlParam) -> list[dict[str, Any]]:
        """`(await stmt.all())["results"]`: every row as a dict."""
        result = to_python(await self._statement(sql, params).all())
        return [_d1_row(row) for row in result.get("results") or []]

    async def first(self, sql: str, *params: SqlParam) -> dict[str, Any] | None:
        """`await stmt.first()`: the first row as a dict, or None (JS null)."""
        row = to_python(await self._statement(sql, params).first())
        return None if row is None else _d1_row(row)

    async def run(self, sql: str, *params: SqlParam) -> int:
        """`(await stmt.run())["meta"]["changes"]`: rows changed."""
        result = to_python(await self._statement(sql, params).run())
        meta = result.get("meta") or {}
        return int(meta.get("changes") or 0)

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlParam]]]) -> None:
        """`await DB.batch([...])`: one implicit transaction; a failing statement rolls back all."""
        if not statements:
            return
        await self._db.batch([self._statement(sql, params) for sql, params in statements])


# --- Durable Objects: caller side ------------------------------------------------------------


class DurableObjectStub:
    """`ObjectStub` over a Durable Object stub: `call(m, *args)` is `await stub.m(*args)` (RPC)."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub

    async def call(self, method: str, *args: JSON) -> JSON:
        """Workers RPC: arguments structured-cloned (tuples sent as lists), result to plain Python;
        a Python exception raised in the object comes back as the same built-in type."""
        if not method.isidentifier() or method.startswith("_") or method in _RESERVED_RPC_NAMES:
            raise ValueError(f"not an RPC method name: {method!r}")
        remote_method = getattr(self._stub, method)
        try:
            result = await remote_method(*(to_rpc(arg) for arg in args))
        except JsException as exc:
            raise remote_error(exc) from exc
        return to_python(result)


class DurableObjectNamespace:
    """`ObjectNamespace` over a Durable Object namespace binding (`env.USERS`)."""

    def __init__(self, binding: Any) -> None:
        self._ns = binding

    def id_from_name(self, name: str) -> str:
        """`ns.idFromName(name).toString()`: deterministic 64-hex id."""
        return str(self._ns.idFromName(name).toString())

    def get(self, object_id: str) -> DurableObjectStub:
        """`ns.get(ns.idFromString(hex))`; ValueError for a malformed or foreign id."""
        if not isinstance(object_id, str) or not _OBJECT_ID.fullmatch(object_id):
            raise ValueError("Invalid Durable Object ID: must be 64 lowercase hex digits")
        try:
            js_id = self._ns.idFromString(object_id)
        except JsException as exc:  # TypeError: the id was not made by this namespace
            raise ValueError(f"Invalid Durable Object ID: {exc}") from exc
        return DurableObjectStub(self._ns.get(js_id))

    def get_by_name(self, name: str) -> DurableObjectStub:
        """`ns.getByName(name)` (same object as `get(id_from_name(name))`)."""
        return DurableObjectStub(self._ns.getByName(name))


# --- Durable Objects: object side ------------------------------------------------------------


class DurableObjectStorage:
    """`ObjectStorage` over `ctx.storage` of a SQLite-backed Durable Object."""

    def __init__(self, storage: Any) -> None:
        self._storage = storage

    def exec(self, sql: str, *params: SqlParam) -> list[dict[str, Any]]:
        """`ctx.storage.sql.exec(sql, *bindings).toArray()`: synchronous; the cursor is fully
        consumed at once (an open cursor can make the next statement fail with SQLITE_LOCKED)."""
        cursor = self._storage.sql.exec(sql, *sql_params(params))
        return to_python(cursor.toArray())

    async def set_alarm(self, epoch_ms: int) -> None:
        """`await ctx.storage.setAlarm(ms)`: replaces any alarm (epoch milliseconds)."""
        await self._storage.setAlarm(int(epoch_ms))

    async def get_alarm(self) -> int | None:
        """`await ctx.storage.getAlarm()`: epoch ms, or None (JS null) when unset."""
        value = to_python(await self._storage.getAlarm())
        return None if value is None else int(value)

    async def delete_alarm(self) -> None:
        """`await ctx.storage.deleteAlarm()`."""
        await self._storage.deleteAlarm()


class DurableObjectState:
    """`ObjectState` over a Durable Object's `ctx` (the SDK's `DurableObjectContext`)."""

    def __init__(self, ctx: Any) -> None:
        self._id = str(ctx.id.toString())
        self._storage = DurableObjectStorage(ctx.storage)

    @property
    def id(self) -> str:
        """`ctx.id.toString()`: the object's 64-hex id."""
        return self._id

    @property
    def storage(self) -> DurableObjectStorage:
        """`ctx.storage`."""
        return self._storage


# --- Queues -----------------------------------------------------------------------------------


class QueueProducer:
    """`QueueProducer` over a Queue producer binding (`env.USER_EVENTS`), JSON content type."""

    def __init__(self, binding: Any) -> None:
        self._queue = binding

    async def send(self, body: JSON) -> None:
        """`await queue.send(body, {contentType: "json"})`."""
        await self._queue.send(to_rpc(body), contentType="json")

    async def send_batch(self, bodies: Sequence[JSON]) -> None:
        """`await queue.sendBatch([{body, contentType: "json"}, ...])`: all or nothing, <= 100."""
        if len(bodies) > QUEUE_MAX_BATCH_MESSAGES:
            raise ValueError(f"batch message count exceeds the limit of {QUEUE_MAX_BATCH_MESSAGES}")
        if not bodies:
            return
        await self._queue.sendBatch([{"body": to_rpc(body), "contentType": "json"} for body in bodies])


class SendEmail:
    """`EmailBinding` over Cloudflare Email Service's `send_email` binding (`env.EMAIL`)."""

    def __init__(self, binding: Any) -> None:
        self._binding = binding

    async def send(self, message: dict[str, str]) -> None:
        """`await env.EMAIL.send({from, to, subject, html, text})`."""
        await self._binding.send(to_rpc(message))


class QueueMessage:
    """`QueueMessage` over one message of a consumer batch (`batch.messages[i]`)."""

    def __init__(self, message: Any) -> None:
        self._message = message
        self.id = str(message.id)
        self.body: JSON = to_python(message.body)
        self.attempts = int(message.attempts)  # delivery attempt, starting at 1

    def ack(self) -> None:
        """`msg.ack()`: never delivered again, even if the handler then throws."""
        self._message.ack()

    def retry(self, delay_seconds: int = 0) -> None:
        """`msg.retry({delaySeconds})`: delivered again after the delay (at most 12 h)."""
        if not 0 <= delay_seconds <= QUEUE_MAX_RETRY_DELAY_SECONDS:
            raise ValueError(f"delaySeconds must be between 0 and {QUEUE_MAX_RETRY_DELAY_SECONDS}")
        if delay_seconds:
            self._message.retry(delaySeconds=int(delay_seconds))
        else:
            self._message.retry()


def queue_batch(batch: Any) -> tuple[str, list[QueueMessage]]:
    """A consumer `MessageBatch` as (queue name, adapted messages)."""
    return str(batch.queue), [QueueMessage(message) for message in batch.messages]


# --- the Platform -----------------------------------------------------------------------------
