"""Small helpers shared by the admin modules: timestamps, JSON columns and paged selects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from edgeauth.ports import Database


def iso_now(epoch: float) -> str:
    """ISO 8601 UTC with milliseconds, as Auth0 prints `created_at`."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_json_column(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def from_json_column(text: str | None, default: Any) -> Any:
    return default if text is None else json.loads(text)


async def select_page(
    db: Database, table: str, filters: dict[str, Any], order_by: str, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of `table`'s rows matching every non-empty filter (a list: any of its values), and
    how many rows match; `table`, the filter columns and `order_by` are fixed names, never input."""
    clauses, params = [], []
    for column, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if value not in ("", []):
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += values
    where = " AND ".join(clauses) or "1"
    rows = await db.all(
        f"SELECT * FROM {table} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",  # noqa: S608
        *params,
        limit,
        offset,
    )
    total = await db.first(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *params)  # noqa: S608
    return rows, int(total["n"] if total else 0)
