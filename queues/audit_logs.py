"""Log events from USER_EVENTS, stored in D1's `logs`: `log_rows` messages (a batch of rows, sent
by `edgeauth.audit`), and the `logs` / `log` messages of earlier versions (events as objects).

Idempotent: the log id was chosen at emission, so a redelivered message is ignored.
"""

from __future__ import annotations

import json
from typing import Any

from edgeauth.audit import COLUMNS, FIELDS
from edgeauth.platform import Platform
from edgeauth.ports import SqlParam
from edgeauth.rows import to_json_column

# The columns in `edgeauth.audit.COLUMNS`' order.
INSERT = """
INSERT INTO logs (tenant_id, log_id, date, type, description, details,
                  ip, user_agent, client_id, client_name, user_id, user_name, connection)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, log_id) DO NOTHING
"""
# tenant_id, log_id, date, type, description and details: never null.
REQUIRED = 6
DETAILS = COLUMNS.index("details")
TEXT = frozenset({str})
TEXT_OR_NULL = frozenset({str, type(None)})


def checked_row(row: Any) -> list[SqlParam]:
    """A `log_rows` row as the insert's parameters (`TypeError` if it is not one): text where
    the table says NOT NULL, text or null elsewhere, and `details` a JSON object (what the
    Management API's log reads parse)."""
    if not isinstance(row, list) or len(row) != len(COLUMNS):
        raise TypeError(f"a log row has {len(COLUMNS)} columns")
    if not TEXT.issuperset(map(type, row[:REQUIRED])) or not TEXT_OR_NULL.issuperset(map(type, row)):
        raise TypeError("a log row holds text")
    try:
        details = json.loads(row[DETAILS])
    except ValueError as exc:
        raise TypeError("a log row's details are JSON") from exc
    if not isinstance(details, dict):
        raise TypeError("a log row's details are a JSON object")
    return row


def legacy_row(entry: dict[str, Any]) -> list[SqlParam]:
    """The row of an earlier version's `{tenant_id, log}` entry (`TypeError` if it carries no
    log event)."""
    event = entry["log"]
    if not isinstance(event, dict):
        raise TypeError("a log entry carries the log event")
    return [
        str(entry["tenant_id"]),
        str(event["log_id"]),
        str(event["date"]),
        str(event["type"]),
        str(event.get("description", "")),
        to_json_column(event.get("details") or {}),
        *(event.get(name) for name in FIELDS),
    ]


async def store(platform: Platform, rows: list[list[SqlParam]]) -> None:
    """Rows in one D1 batch (one round trip, one transaction)."""
    await platform.db.batch([(INSERT, row) for row in rows])


async def store_log_rows(platform: Platform, message: dict[str, Any]) -> None:
    """A `log_rows` message's rows."""
    rows = message["rows"]
    if not isinstance(rows, list):
        raise TypeError("a log_rows message carries a list of rows")
    await store(platform, [checked_row(row) for row in rows])


async def store_logs(platform: Platform, message: dict[str, Any]) -> None:
    """A `logs` message (a batch of `{tenant_id, log}` entries, as earlier versions sent)."""
    entries = message["logs"]
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise TypeError("a logs message carries a list of log entries")
    await store(platform, [legacy_row(entry) for entry in entries])


async def store_log(platform: Platform, message: dict[str, Any]) -> None:
    """A `log` message: one entry, as the first versions sent."""
    await store(platform, [legacy_row(message)])
