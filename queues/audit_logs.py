"""Log events from USER_EVENTS (`type: logs`, a batch sent by `edgeauth.audit`), stored in D1's
`logs`.

Idempotent: the log id was chosen at emission, so a redelivered message is ignored.
"""

from __future__ import annotations

from typing import Any

from edgeauth.audit import FIELDS
from edgeauth.platform import Platform
from edgeauth.ports import SqlParam
from edgeauth.rows import to_json_column

INSERT = """
INSERT INTO logs (tenant_id, log_id, date, type, description, details,
                  ip, user_agent, client_id, client_name, user_id, user_name, connection)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, log_id) DO NOTHING
"""


def insert_statement(entry: dict[str, Any]) -> tuple[str, list[SqlParam]]:
    """The insert of one `{tenant_id, log}` entry (`TypeError` if it carries no log event)."""
    event = entry["log"]
    if not isinstance(event, dict):
        raise TypeError("a log entry carries the log event")
    return INSERT, [
        str(entry["tenant_id"]),
        str(event["log_id"]),
        str(event["date"]),
        str(event["type"]),
        str(event.get("description", "")),
        to_json_column(event.get("details") or {}),
        *(event.get(name) for name in FIELDS),
    ]


async def store_logs(platform: Platform, message: dict[str, Any]) -> None:
    """A `logs` message's events in one D1 batch (one round trip, one transaction)."""
    entries = message["logs"]
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise TypeError("a logs message carries a list of log entries")
    await platform.db.batch([insert_statement(entry) for entry in entries])


async def store_log(platform: Platform, message: dict[str, Any]) -> None:
    """A `log` message: one entry, as versions before the batched `logs` messages sent them
    (kept so that none in flight across an upgrade is lost)."""
    sql, params = insert_statement(message)
    await platform.db.run(sql, *params)
