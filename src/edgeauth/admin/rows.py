"""Paged selects shared by the admin modules."""

from __future__ import annotations

from typing import Any

from edgeauth.ports import Database


def _where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """`col IN (?, …) AND …` for every non-empty filter (a list: any of its values)."""
    clauses, params = [], []
    for column, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if value not in ("", []):
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += values
    return " AND ".join(clauses) or "1", params


async def select_page(
    db: Database, table: str, filters: dict[str, Any], order_by: str, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of `table`'s rows matching every non-empty filter (a list: any of its values), and
    how many rows match; `table`, the filter columns and `order_by` are fixed names, never input."""
    where, params = _where(filters)
    rows = await db.all(
        f"SELECT * FROM {table} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",  # noqa: S608
        *params,
        limit,
        offset,
    )
    total = await db.first(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *params)  # noqa: S608
    return rows, int(total["n"] if total else 0)


Position = tuple[str, str]
"""Where a row sits in `created_at, id` order: a checkpoint."""


async def select_after(
    db: Database, table: str, filters: dict[str, Any], after: Position | None, *, take: int
) -> tuple[list[dict[str, Any]], Position | None]:
    """Checkpoint paging in `created_at, id` order (Auth0's `from`/`take`): up to `take` matching
    rows after `after`, and the last one's position when more follow (else None). Rows added or
    removed meanwhile never shift the pages that follow, as offsets would."""
    where, params = _where(filters)
    if after is not None:
        where += " AND (created_at > ? OR (created_at = ? AND id > ?))"
        params += [after[0], after[0], after[1]]
    rows = await db.all(
        f"SELECT * FROM {table} WHERE {where} ORDER BY created_at, id LIMIT ?",  # noqa: S608
        *params,
        take + 1,
    )
    page = rows[:take]
    return page, (page[-1]["created_at"], page[-1]["id"]) if len(rows) > take else None
