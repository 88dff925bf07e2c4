"""A user's identities (Auth0 `identities[]`): the first is the user's own, others are linked.

Auth0 `user.identities`: `provider`, `user_id` (the provider's id of the user), `connection`,
`isSocial`, and `profileData` for linked secondary identities.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from edgeauth.ports import ObjectStorage

SCHEMA = """CREATE TABLE IF NOT EXISTS identities (
    provider     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    connection   TEXT NOT NULL,
    is_social    INTEGER NOT NULL,
    profile_data TEXT,
    PRIMARY KEY (provider, user_id)
)"""


@dataclass(frozen=True)
class Identity:
    provider: str
    user_id: str
    connection: str
    is_social: bool
    profile_data: dict[str, Any] = field(default_factory=dict)


def from_json(data: dict[str, Any]) -> Identity:
    """An identity from its Management API shape (`isSocial`, `profileData`)."""
    return Identity(
        data["provider"],
        data["user_id"],
        data["connection"],
        bool(data["isSocial"]),
        data.get("profileData") or {},
    )


def add_identity(storage: ObjectStorage, identity: Identity) -> None:
    """Attach `identity` to the user (a second login with it refreshes its profile data)."""
    storage.exec(
        "INSERT OR REPLACE INTO identities (provider, user_id, connection, is_social, profile_data)"
        " VALUES (?, ?, ?, ?, ?)",
        identity.provider,
        identity.user_id,
        identity.connection,
        int(identity.is_social),
        json.dumps(identity.profile_data, separators=(",", ":")) if identity.profile_data else None,
    )


def remove_identity(storage: ObjectStorage, provider: str, user_id: str) -> None:
    storage.exec("DELETE FROM identities WHERE provider = ? AND user_id = ?", provider, user_id)


def has_identity(storage: ObjectStorage, provider: str, user_id: str) -> bool:
    rows = storage.exec("SELECT 1 FROM identities WHERE provider = ? AND user_id = ?", provider, user_id)
    return bool(rows)


def has_connection_identity(storage: ObjectStorage, connection: str, user_id: str) -> bool:
    """Whether the user holds the identity an identity object is named by (connection, its id)."""
    rows = storage.exec("SELECT 1 FROM identities WHERE connection = ? AND user_id = ?", connection, user_id)
    return bool(rows)


def identities_json(storage: ObjectStorage) -> list[dict[str, Any]]:
    """The Management API `identities` array, oldest (the primary) first."""
    return [
        {
            "provider": i["provider"],
            "user_id": i["user_id"],
            "connection": i["connection"],
            "isSocial": bool(i["is_social"]),
            **({"profileData": json.loads(i["profile_data"])} if i["profile_data"] else {}),
        }
        for i in storage.exec("SELECT * FROM identities ORDER BY rowid")
    ]
