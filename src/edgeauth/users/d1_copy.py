"""D1's copy of the users, for the Management API's lists and search: one row per user.

Idempotent: an upsert guarded by the per-user version, so redelivery, duplicates and reordering
never move D1 backwards (docs/architecture.md, "Storage and consistency"). `created_at` and
`last_login` are kept as columns for search and sort; everything else is in `profile` (the
Management API user). The queue consumer (`queues.user_sync`) and reconcile
(`edgeauth.admin.users`) write it.
"""

from __future__ import annotations

from typing import Any

from edgeauth.platform import Platform
from edgeauth.rows import iso_now, to_json_column

# A condition on a row: one of the user's identities is of the connection (the parameter).
OF_CONNECTION = (
    " AND EXISTS (SELECT 1 FROM json_each(profile, '$.identities')"
    " WHERE json_extract(value, '$.connection') = ?)"
)
UPSERT = """
INSERT INTO users (tenant_id, user_id, email, profile, version, deleted, updated_at, created_at, last_login)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, user_id) DO UPDATE SET
    email = excluded.email, profile = excluded.profile, version = excluded.version,
    deleted = excluded.deleted, updated_at = excluded.updated_at,
    created_at = excluded.created_at, last_login = excluded.last_login
"""
NEWER = "WHERE excluded.version > users.version"


async def store_user(
    platform: Platform, tenant_id: str, user_id: str, version: int, user: dict[str, Any], *, deleted: bool
) -> None:
    """Write D1's copy of a user at `version` unless D1 already holds that version or a later one."""
    await _upsert(platform, UPSERT + NEWER, tenant_id, user_id, version, user, deleted=deleted)


async def overwrite_user(
    platform: Platform, tenant_id: str, user_id: str, version: int, user: dict[str, Any], *, deleted: bool
) -> None:
    """Write D1's copy whatever it holds (reconcile: the Durable Object is the truth)."""
    await _upsert(platform, UPSERT, tenant_id, user_id, version, user, deleted=deleted)


async def _upsert(
    platform: Platform,
    sql: str,
    tenant_id: str,
    user_id: str,
    version: int,
    user: dict[str, Any],
    *,
    deleted: bool,
) -> None:
    await platform.db.run(
        sql,
        tenant_id,
        user_id,
        user.get("email"),
        to_json_column(user),
        version,
        int(deleted),
        iso_now(platform.clock()),
        user.get("created_at"),
        user.get("last_login"),
    )
