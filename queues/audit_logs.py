"""Log events from USER_EVENTS (`type: log`, sent by `edgeauth.audit`), stored in D1's `logs`.

Idempotent: the log id was chosen at emission, so a redelivered message is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def insert_statement(message: dict[str, Any]) -> tuple[str, list[SqlParam]]:
    """The insert of one log message (`TypeError` if it carries no log event)."""
    event = message["log"]
    if not isinstance(event, dict):
        raise TypeError("a log message carries the log event")
    return INSERT, [
        str(message["tenant_id"]),
        str(event["log_id"]),
        str(event["date"]),
        str(event["type"]),
        str(event.get("description", "")),
        to_json_column(event.get("details") or {}),
        *(event.get(name) for name in FIELDS),
    ]


async def store_log(platform: Platform, message: dict[str, Any]) -> None:
    """Insert one log event unless that tenant already holds its log id."""
    sql, params = insert_statement(message)
    await platform.db.run(sql, *params)


async def store_logs(platform: Platform, messages: Sequence[dict[str, Any]]) -> None:
    """Many log events in one D1 batch (one round trip, one transaction)."""
    await platform.db.batch([insert_statement(message) for message in messages])
