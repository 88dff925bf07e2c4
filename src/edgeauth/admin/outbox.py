"""The outbox provider's messages (a developer's inbox): newest first, optionally for one address."""

from __future__ import annotations

from typing import Any

from edgeauth.platform import Platform
from edgeauth.users.directory import normalize_email

COLUMNS = 'id, to_address AS "to", from_address AS "from", subject, text, html, template, locale, created_at'


async def list_outbox(
    platform: Platform, tenant_id: str, to: str = "", limit: int = 50
) -> list[dict[str, Any]]:
    if to:
        return await platform.db.all(
            f"SELECT {COLUMNS} FROM outbox_emails WHERE tenant_id = ? AND to_address = ?"  # noqa: S608
            " ORDER BY id DESC LIMIT ?",
            tenant_id,
            normalize_email(to),
            limit,
        )
    return await platform.db.all(
        f"SELECT {COLUMNS} FROM outbox_emails WHERE tenant_id = ? ORDER BY id DESC LIMIT ?",  # noqa: S608
        tenant_id,
        limit,
    )


async def get_outbox_email(platform: Platform, tenant_id: str, email_id: str) -> dict[str, Any] | None:
    return await platform.db.first(
        f"SELECT {COLUMNS} FROM outbox_emails WHERE tenant_id = ? AND id = ?",  # noqa: S608
        tenant_id,
        email_id,
    )
