"""Tenant logs in D1 (stored by queues/audit_logs.py): Auth0's search, checkpoint and retention.

Auth0 "Retrieve Log Events Using the Management API": by search criteria (`q`, `sort`, pages, at
most the first 1,000 results) or by checkpoint (`from` + `take`: the logs after a log id, ordered
by log id). Retention: the daily cron deletes logs older than the tenant's `logs_retention_days`
setting (default 30 days).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from edgeauth.admin.errors import bad_request, not_found
from edgeauth.admin.lucene import compile_query
from edgeauth.platform import Platform
from edgeauth.rows import from_json_column, iso_now

MAX_SEARCH_RESULTS = 1000  # Auth0: "you may paginate only through 1,000 search results"
DEFAULT_RETENTION_DAYS = 30
DEFAULT_SORT = "date:-1"
# Searchable and sortable fields (Auth0 "Log Search Query Syntax"), each a column of `logs`.
COLUMNS = frozenset(
    {
        "log_id",
        "date",
        "type",
        "description",
        "ip",
        "user_agent",
        "client_id",
        "client_name",
        "user_id",
        "user_name",
        "connection",
    }
)
_SORT = re.compile(r"^([a-z_]+):(1|-1)$")
PRUNE = "DELETE FROM logs WHERE tenant_id = ? AND date < ?"
RETENTIONS = "SELECT id, json_extract(settings, '$.logs_retention_days') AS days FROM tenants"


def log_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row as Auth0 shows a log event (fields never set are left out)."""
    event = {key: value for key, value in row.items() if key != "tenant_id" and value is not None}
    event["details"] = from_json_column(row["details"], {})
    return event


def column(field: str) -> str | None:
    """A `q` field → its column (a fixed name), or None for a field logs cannot be searched by."""
    return field if field in COLUMNS else None


def order_by(sort: str) -> str:
    """Auth0 `sort=field:1|-1` → ORDER BY, the log id breaking ties in the same direction."""
    match = _SORT.match(sort or DEFAULT_SORT)
    if match is None or match.group(1) not in COLUMNS:
        raise bad_request(f"Invalid sort: {sort!r} (expected field:1 or field:-1)", "invalid_query_string")
    direction = "ASC" if match.group(2) == "1" else "DESC"
    return f"{match.group(1)} {direction}, log_id {direction}"


def check_search_window(offset: int, limit: int) -> None:
    if offset + limit > MAX_SEARCH_RESULTS:
        raise bad_request(
            f"You can only page through the first {MAX_SEARCH_RESULTS} records; "
            "use checkpoint paging (from, take) for more.",
            "invalid_query_string",
        )


async def search_logs(
    platform: Platform,
    tenant_id: str,
    *,
    q: str = "",
    sort: str = "",
    offset: int = 0,
    limit: int = 50,
    user_id: str = "",
) -> tuple[list[dict[str, Any]], int]:
    """Auth0 `GET /logs` by search criteria (and `GET /users/{id}/logs`): one page and the total."""
    check_search_window(offset, limit)
    where, params = "tenant_id = ?", [tenant_id]
    if user_id:
        where, params = where + " AND user_id = ?", [*params, user_id]
    if q:
        condition, query_params = compile_query(q, column)
        where, params = f"{where} AND {condition}", [*params, *query_params]
    rows = await platform.db.all(
        f"SELECT * FROM logs WHERE {where} ORDER BY {order_by(sort)} LIMIT ? OFFSET ?",  # noqa: S608
        *params,
        limit,
        offset,
    )
    total = await platform.db.first(f"SELECT COUNT(*) AS n FROM logs WHERE {where}", *params)  # noqa: S608
    return [log_json(row) for row in rows], min(int(total["n"] if total else 0), MAX_SEARCH_RESULTS)


async def logs_after(platform: Platform, tenant_id: str, checkpoint: str, take: int) -> list[dict[str, Any]]:
    """Auth0 checkpoint paging: up to `take` logs with an id after `checkpoint`, by log id."""
    rows = await platform.db.all(
        "SELECT * FROM logs WHERE tenant_id = ? AND log_id > ? ORDER BY log_id LIMIT ?",
        tenant_id,
        checkpoint,
        take,
    )
    return [log_json(row) for row in rows]


async def get_log(platform: Platform, tenant_id: str, log_id: str) -> dict[str, Any]:
    row = await platform.db.first("SELECT * FROM logs WHERE tenant_id = ? AND log_id = ?", tenant_id, log_id)
    if row is None:
        raise not_found("The log does not exist.", "inexistent_log")
    return log_json(row)


def retention_days(value: Any) -> int:
    """The tenant's `logs_retention_days`, or the default for a missing or unusable value."""
    return value if isinstance(value, int) and value > 0 else DEFAULT_RETENTION_DAYS


async def prune_logs(platform: Platform) -> None:
    """Delete every tenant's logs older than its retention (one indexed delete per tenant)."""
    now = platform.clock()
    for tenant in await platform.db.all(RETENTIONS):
        cutoff = now - timedelta(days=retention_days(tenant["days"])).total_seconds()
        await platform.db.run(PRUNE, tenant["id"], iso_now(cutoff))
