"""Log events from USER_EVENTS (`type: log`, sent by `edgeauth.audit`), stored in D1's `logs`.

Idempotent: the log id was chosen at emission, so a redelivered message is ignored.
"""

from __future__ import annotations

from typing import Any

from edgeauth.audit import FIELDS
from edgeauth.platform import Platform
from edgeauth.rows import to_json_column

INSERT = """
INSERT INTO logs (tenant_id, log_id, date, type, description, details,
                  ip, user_agent, client_id, client_name, user_id, user_name, connection)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, log_id) DO NOTHING
"""


async def store_log(platform: Platform, message: dict[str, Any]) -> None:
    """Insert one log event unless that tenant already holds its log id."""
    event = message["log"]
    if not isinstance(event, dict):
        raise TypeError("a log message carries the log event")
    await platform.db.run(
        INSERT,
        str(message["tenant_id"]),
        str(event["log_id"]),
        str(event["date"]),
        str(event["type"]),
        str(event.get("description", "")),
        to_json_column(event.get("details") or {}),
        *(event.get(name) for name in FIELDS),
    )
