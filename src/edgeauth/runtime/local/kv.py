"""Workers KV on a SQLite file: string values, TTL ≥ 60 s, expired keys invisible, sorted listing."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from edgeauth.ports import Clock
from edgeauth.runtime.local.sqlite import connect

MIN_TTL_SECONDS = 60
MAX_KEY_BYTES = 512

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    namespace  TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    expiration REAL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID
"""


def _check_key(key: str) -> None:
    """Cloudflare rejects empty keys, `.`/`..`, and keys over 512 bytes (KV limits)."""
    if key in ("", ".", ".."):
        raise ValueError(f"Illegal key name {key!r}")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise ValueError(f"KV key is longer than {MAX_KEY_BYTES} bytes")


class SqliteKV:
    """One KV namespace (`env.CONFIG`); several namespaces can share one file.

    Unlike Cloudflare, reads are strongly consistent (there is only one location).
    """

    def __init__(self, path: Path, namespace: str, clock: Clock = time.time) -> None:
        self._conn = connect(path)
        self._conn.execute(_SCHEMA)
        self._wal = f"{path}-wal"
        self._namespace = namespace
        self._clock = clock
        # Operations served, by name (`get`, `put`, `delete`, `list`): what a test hook reports.
        self.calls: Counter[str] = Counter()

    async def get(self, key: str) -> str | None:
        """`KV.get(key)`: the value, or None when missing or expired (purged on sight); an invalid
        key fails as on Workers (`KV GET failed: 414`)."""
        self.calls["get"] += 1
        _check_key(key)
        row = self._conn.execute(
            "SELECT value, expiration FROM kv WHERE namespace = ? AND key = ?",
            (self._namespace, key),
        ).fetchone()
        if row is None:
            return None
        if row["expiration"] is not None and row["expiration"] <= self._clock():
            self._conn.execute(
                "DELETE FROM kv WHERE namespace = ? AND key = ? AND expiration <= ?",
                (self._namespace, key, self._clock()),
            )
            return None
        return str(row["value"])

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None:
        """`KV.put(key, value, {expirationTtl})`: TTL below 60 s is a 400 on Cloudflare."""
        self.calls["put"] += 1
        _check_key(key)
        if not isinstance(value, str):
            raise TypeError(f"KV values are strings here, got {type(value).__name__}")
        expiration: float | None = None
        if ttl is not None:
            if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < MIN_TTL_SECONDS:
                raise ValueError(
                    f"Invalid expiration_ttl of {ttl!r}. Expiration TTL must be at least {MIN_TTL_SECONDS}."
                )
            expiration = self._clock() + ttl
        self._conn.execute(
            "INSERT INTO kv (namespace, key, value, expiration) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (namespace, key) DO UPDATE "
            "SET value = excluded.value, expiration = excluded.expiration",
            (self._namespace, key, value, expiration),
        )

    async def delete(self, key: str) -> None:
        """`KV.delete(key)`: deleting a missing key is not an error."""
        self.calls["delete"] += 1
        self._conn.execute("DELETE FROM kv WHERE namespace = ? AND key = ?", (self._namespace, key))

    async def list(self, prefix: str) -> list[str]:
        """`KV.list({prefix})` over every page: live key names in UTF-8 byte order."""
        self.calls["list"] += 1
        now = self._clock()
        self._conn.execute("DELETE FROM kv WHERE namespace = ? AND expiration <= ?", (self._namespace, now))
        # substr(), not LIKE: `_` and `%` in a tenant prefix must match literally.
        rows = self._conn.execute(
            "SELECT key FROM kv WHERE namespace = ? AND key >= ? AND substr(key, 1, ?) = ? ORDER BY key",
            (self._namespace, prefix, len(prefix), prefix),
        ).fetchall()
        return [row["key"] for row in rows]

    def write_stamp(self) -> tuple[int, int, int]:
        """What changes whenever any connection, in any process, commits to this file: the
        write-ahead log's inode, size and modification time (every commit in WAL mode appends to
        it). A `stat` costs about a microsecond; SQLite's `PRAGMA data_version` says the same
        exactly but costs a read transaction, several times more on every request."""
        try:
            wal = os.stat(self._wal)
        except FileNotFoundError:
            return (0, 0, 0)
        return (wal.st_ino, wal.st_size, wal.st_mtime_ns)

    def close(self) -> None:
        """Close the SQLite connection."""
        self._conn.close()
