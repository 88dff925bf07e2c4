"""The editable parts of a user profile, shared by the Management API and the user's Durable Object."""

from __future__ import annotations

from typing import Any

# Auth0 root attributes kept as columns of the object's `user` table.
COLUMNS = ("email_verified", "name", "nickname", "picture", "blocked")
# Optional Auth0 root attributes kept in the object's `attributes` table (absent until set).
ATTRIBUTES = ("given_name", "family_name", "username")
METADATA = ("app_metadata", "user_metadata")
EDITABLE = (*COLUMNS, *ATTRIBUTES, *METADATA)


def merge_metadata(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Auth0 PATCH: top-level keys are merged, a `null` value removes its key, `{}` clears all."""
    if not changes:
        return {}
    merged = {**current, **changes}
    return {key: value for key, value in merged.items() if value is not None}
