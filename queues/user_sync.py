"""User sync: keeps D1's copy of each user in step with its Durable Object.

Idempotent: an upsert guarded by the per-user version, so redelivery, duplicates and reordering
never move D1 backwards (design.md, "Consistency rules").
"""

from __future__ import annotations

import json

from edgeauth.admin.rows import iso_now
from edgeauth.platform import Platform

UPSERT = """
INSERT INTO users (tenant_id, user_id, email, profile, version, deleted, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, user_id) DO UPDATE SET
    email = excluded.email, profile = excluded.profile, version = excluded.version,
    deleted = excluded.deleted, updated_at = excluded.updated_at
WHERE excluded.version > users.version
"""


async def apply_user_event(platform: Platform, event: dict) -> None:
    user = event["user"]
    await platform.db.run(
        UPSERT,
        event["tenant_id"],
        event["user_id"],
        user.get("email"),
        json.dumps(user, separators=(",", ":")),
        int(event["version"]),
        1 if event["type"] == "user.deleted" else 0,
        iso_now(platform.clock()),
    )
