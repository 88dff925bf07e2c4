"""User sync: a user event from a Durable Object's outbox, applied to D1's copy of that user
(`edgeauth.users.d1_copy`: versioned, so redelivery and reordering are harmless)."""

from __future__ import annotations

from typing import Any

from edgeauth.platform import Platform
from edgeauth.users.d1_copy import store_user

USER_EVENT_TYPES = ("user.created", "user.updated", "user.login", "user.deleted")


async def apply_user_event(platform: Platform, event: dict[str, Any]) -> None:
    """One USER_EVENTS message (`user.created`, `user.updated`, `user.login`, `user.deleted`)."""
    user = event["user"]
    if not isinstance(user, dict):
        raise TypeError("a user event carries the user object")
    await store_user(
        platform,
        str(event["tenant_id"]),
        str(event["user_id"]),
        int(event["version"]),
        user,
        deleted=event["type"] == "user.deleted",
    )
