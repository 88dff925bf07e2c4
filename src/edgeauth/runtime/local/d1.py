"""D1 on a SQLite file: one statement per call, atomic batches, wrangler-style migrations."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from edgeauth.ports import SqlParam
from edgeauth.runtime.local.sqlite import connect, transaction

# wrangler's own bookkeeping table (`wrangler d1 migrations apply`), same shape and name.
_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS d1_migrations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)
"""


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (triggers' inner `;` included).

    `executescript()` would COMMIT the caller's transaction first, so scripts run statement by
    statement inside one.
    """
    statements: list[str] = []
    start = 0
    for end, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            statement = script[start : end + 1].strip()
            if statement != ";":
                statements.append(statement)
            start = end + 1
    tail = script[start:].strip()
    if tail and sqlite3.complete_statement(tail + ";"):
        statements.append(tail)
    elif tail and not _only_comments(tail):
        raise ValueError(f"incomplete SQL statement at the end of the script: {tail[:80]!r}")
    return statements


def _only_comments(text: str) -> bool:
    lines = (line.strip() for line in text.splitlines())
    return all(not line or line.startswith("--") for line in lines)


class SqliteD1:
    """A D1 database (`env.DB`); each call autocommits, like a D1 prepared statement."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path)

    async def all(self, sql: str, *params: SqlParam) -> list[dict[str, Any]]:
        """`prepare(sql).bind(...).all()["results"]`."""
        return self._conn.execute(sql, params).fetchall()

    async def first(self, sql: str, *params: SqlParam) -> dict[str, Any] | None:
        """`prepare(sql).bind(...).first()`: the first row or None."""
        cursor = self._conn.execute(sql, params)
        try:
            row: dict[str, Any] | None = cursor.fetchone()
            return row
        finally:
            cursor.close()

    async def run(self, sql: str, *params: SqlParam) -> int:
        """`prepare(sql).bind(...).run()["meta"]["changes"]`."""
        cursor = self._conn.execute(sql, params)
        return max(cursor.rowcount, 0)

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlParam]]]) -> None:
        """`DB.batch([...])`: one transaction; a failing statement rolls back all of them. Then
        the event loop runs other work, as it does while a D1 call is in flight on Workers: a
        queue delivery storing many batches never holds the server's requests for all of them.
        A run of the same statement is one `executemany` (a batch of log rows is one insert)."""
        with transaction(self._conn):
            for sql, run in groupby(statements, key=itemgetter(0)):
                rows = [tuple(params) for _, params in run]
                if len(rows) == 1:
                    self._conn.execute(sql, rows[0])
                else:  # repeated writes: sqlite3's executemany refuses a read-only statement
                    self._conn.executemany(sql, rows)
        await asyncio.sleep(0)

    def apply_migrations(self, migrations_dir: Path) -> list[str]:
        """`wrangler d1 migrations apply`: run unapplied `*.sql` files in name order.

        Each file and its `d1_migrations` row commit together, so a failing migration leaves no
        trace and the next run retries it. Returns the names applied by this call.
        """
        self._conn.execute(_MIGRATIONS_TABLE)
        applied: list[str] = []
        for path in sorted(migrations_dir.glob("*.sql"), key=lambda p: p.name):
            if self._is_applied(path.name):
                continue
            statements = split_statements(path.read_text(encoding="utf-8"))
            with transaction(self._conn):
                if self._is_applied(path.name):  # another process got there first
                    continue
                for statement in statements:
                    self._conn.execute(statement)
                self._conn.execute("INSERT INTO d1_migrations (name) VALUES (?)", (path.name,))
            applied.append(path.name)
        return applied

    def _is_applied(self, name: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM d1_migrations WHERE name = ?", (name,)).fetchone()
        return row is not None

    def close(self) -> None:
        """Close the SQLite connection."""
        self._conn.close()
