"""How values are stored in D1 and Durable Object rows: timestamps and JSON columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from edgeauth.encoding import compact_text


def iso_now(epoch: float) -> str:
    """ISO 8601 UTC with milliseconds, as Auth0 prints `created_at`."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_json_column(value: Any) -> str:
    return compact_text(value)


def from_json_column(text: str | None, default: Any) -> Any:
    return default if text is None else json.loads(text)
