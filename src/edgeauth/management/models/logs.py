"""Log events: Auth0 `/api/v2/logs` responses (every field optional: `fields` may drop any)."""

from __future__ import annotations

from typing import Any

from edgeauth.management.models.common import Resource


class Log(Resource):
    log_id: str | None = None
    date: str | None = None
    type: str | None = None
    description: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    client_id: str | None = None
    client_name: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    connection: str | None = None
    details: dict[str, Any] | None = None


class LogsPage(Resource):
    start: int
    limit: int
    length: int
    total: int
    logs: list[Log]
