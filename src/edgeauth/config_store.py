"""The isolate's configuration store: KV, with snapshot reads remembered for a few seconds
(docs/architecture.md, "Snapshot cache").

Workers KV is eventually consistent: a write can take up to a minute to reach every location. An
isolate that remembers what it read for `ttl` seconds adds at most that to a bound every reader
already lives with. Writes made through this store forget their key before and after they land,
so the isolate that makes an admin change sees it on its next request. A runtime whose storage can
cheaply tell that another writer changed it hands in `stamp` (the local runtime: the SQLite
write-ahead log's size and time, moved by every commit, the CLI's in another process too);
`refresh()`, called as each request starts, empties the cache when the stamp has moved.

Cache keys are the KV keys themselves, which carry their tenant (edgeauth.snapshots), so an entry
can only ever answer for the tenant it was read for.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from edgeauth.ports import KeyValueStore

T = TypeVar("T")
# What a reader makes of a KV value (None: no such key); memoized per entry, so a warm read
# neither parses JSON nor builds the snapshot again.
Parse = Callable[[str | None], T]

SNAPSHOT_TTL_SECONDS = 5.0
# How often `refresh` may look at the stamp (a `stat` costs as much as the rest of a JWKS request's
# tenant resolution; another process's change is seen this much later at most).
STAMP_INTERVAL_SECONDS = 0.001
CAPACITY = 4096


@dataclass
class _Entry:
    raw: str | None
    expires: float
    parsed: dict[Callable[..., Any], Any] = field(default_factory=dict)


class ConfigStore:
    """The `KeyValueStore` the core is handed, plus `snapshot`: a cached, parsed read."""

    def __init__(
        self,
        store: KeyValueStore,
        *,
        ttl: float = SNAPSHOT_TTL_SECONDS,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
        stamp: Callable[[], object] | None = None,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._stamp = stamp
        self._seen_stamp = stamp() if stamp else None
        self._stamped_at = clock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # Bumped by every forget: a read that started before a write never caches what it read.
        self._generation = 0

    async def get(self, key: str) -> str | None:
        """Straight from KV (what must not be a few seconds stale)."""
        return await self._store.get(key)

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None:
        self.forget(key)
        try:
            await self._store.put(key, value, ttl=ttl)
        finally:
            self.forget(key)

    async def delete(self, key: str) -> None:
        self.forget(key)
        try:
            await self._store.delete(key)
        finally:
            self.forget(key)

    async def list(self, prefix: str) -> list[str]:
        return await self._store.list(prefix)

    def forget(self, key: str) -> None:
        self._generation += 1
        self._entries.pop(key, None)

    def refresh(self) -> None:
        """At a request's start: forget everything if another writer changed the store (the
        runtime's `stamp`), so a request sees every change committed more than
        `STAMP_INTERVAL_SECONDS` before it began (the stamp is looked at no more often)."""
        if self._stamp is None:
            return
        now = self._clock()
        if now - self._stamped_at < STAMP_INTERVAL_SECONDS:
            return
        self._stamped_at = now
        stamp = self._stamp()
        if stamp != self._seen_stamp:
            self._seen_stamp = stamp
            self._generation += 1
            self._entries.clear()

    async def snapshot(self, key: str, parse: Parse[T]) -> T:
        """`parse(value)` of `key`, from this isolate's memory while younger than the TTL."""
        entry = self._entries.get(key)
        now = self._clock()
        if entry is None or entry.expires <= now:
            generation = self._generation
            raw = await self._store.get(key)
            entry = _Entry(raw, now + self._ttl)
            if generation == self._generation:
                self._entries[key] = entry
                if len(self._entries) > self._capacity:
                    self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        if parse not in entry.parsed:
            entry.parsed[parse] = parse(entry.raw)
        value: T = entry.parsed[parse]
        return value
