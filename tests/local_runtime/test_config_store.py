"""ConfigStore over the real SQLite KV: what a snapshot read may and may not remember
(docs/architecture.md, "Snapshot cache")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from edgeauth.config_store import STAMP_INTERVAL_SECONDS, ConfigStore
from edgeauth.runtime.local.kv import SqliteKV
from tests.local_runtime.support import ManualClock


def text(raw: str | None) -> str | None:
    return raw


@pytest.fixture
def kv(tmp_path: Path, clock: ManualClock) -> SqliteKV:
    return SqliteKV(tmp_path / "kv.sqlite", "CONFIG", clock)


async def test_a_read_is_remembered_for_the_ttl_only(kv: SqliteKV) -> None:
    now = ManualClock(0)
    store = ConfigStore(kv, ttl=5, clock=now)
    await kv.put("client:t1:a", "v1")
    assert await store.snapshot("client:t1:a", text) == "v1"
    await kv.put("client:t1:a", "v2")  # another isolate's write: not seen within the TTL
    assert await store.snapshot("client:t1:a", text) == "v1"
    now.advance(5)
    assert await store.snapshot("client:t1:a", text) == "v2"


async def test_a_write_through_the_store_is_seen_at_once(kv: SqliteKV) -> None:
    store = ConfigStore(kv, ttl=60)
    assert await store.snapshot("client:t1:a", text) is None  # a miss is remembered too
    await store.put("client:t1:a", "v1")
    assert await store.snapshot("client:t1:a", text) == "v1"
    await store.delete("client:t1:a")
    assert await store.snapshot("client:t1:a", text) is None


async def test_a_read_racing_a_write_does_not_cache_the_old_value(tmp_path: Path) -> None:
    """The read starts, a write through the store lands while KV answers, the read ends: what it
    read must not be remembered."""

    class SlowKV(SqliteKV):
        async def get(self, key: str) -> str | None:
            value = await super().get(key)
            await asyncio.sleep(0.05)
            return value

    kv = SlowKV(tmp_path / "kv.sqlite", "CONFIG")
    store = ConfigStore(kv, ttl=60)
    await kv.put("api:t1:x", "old")
    read = asyncio.create_task(store.snapshot("api:t1:x", text))
    await asyncio.sleep(0.01)
    await store.put("api:t1:x", "new")
    assert await read == "old"
    assert await store.snapshot("api:t1:x", text) == "new"


async def test_a_write_from_another_connection_is_seen_after_refresh(tmp_path: Path) -> None:
    """The local runtime's stamp: another process's commit (here another connection, as the CLI's)
    moves the write-ahead log, and the next request's refresh forgets everything."""
    served = SqliteKV(tmp_path / "kv.sqlite", "CONFIG")
    cli = SqliteKV(tmp_path / "kv.sqlite", "CONFIG")
    now = ManualClock(0)
    store = ConfigStore(served, ttl=60, clock=now, stamp=served.write_stamp)
    await cli.put("tenant:t1", "v1")
    now.advance(STAMP_INTERVAL_SECONDS)
    store.refresh()
    assert await store.snapshot("tenant:t1", text) == "v1"
    await cli.put("tenant:t1", "v2")
    assert await store.snapshot("tenant:t1", text) == "v1"  # within a request: as it began
    store.refresh()  # the stamp was looked at less than STAMP_INTERVAL_SECONDS ago
    assert await store.snapshot("tenant:t1", text) == "v1"
    now.advance(STAMP_INTERVAL_SECONDS)
    store.refresh()
    assert await store.snapshot("tenant:t1", text) == "v2"


async def test_parsers_are_memoized_per_entry_and_capacity_is_bounded(kv: SqliteKV) -> None:
    calls: list[str | None] = []

    def counted(raw: str | None) -> str | None:
        calls.append(raw)
        return raw

    store = ConfigStore(kv, ttl=60, capacity=2)
    for key in ("a:1", "a:2"):
        await kv.put(key, key)
    await store.snapshot("a:1", counted)
    await store.snapshot("a:1", counted)
    assert calls == ["a:1"]
    await store.snapshot("a:2", counted)
    await store.snapshot("a:3", counted)  # evicts a:1, the least recently used
    await store.snapshot("a:1", counted)
    assert calls == ["a:1", "a:2", None, "a:1"]
