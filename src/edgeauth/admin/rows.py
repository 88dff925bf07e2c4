"""Paged selects shared by the admin modules."""

from __future__ import annotations

from typing import Any

from edgeauth.ports import Database


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
