"""Whose object this is and what it is named by (docs/security.md "Names and ids"; docs/architecture.md
"Storage and consistency").

Every user object records, at its first call, the tenant it belongs to and the name it was reached
by: `email:<address>`, `identity:<connection>/<user id>`, or `user_id:<user id>` (an imported id, which
does not name its object as the ids this deployment gives do). From then on it refuses every call made
for another tenant. A name is *held* by the object whose user answers to it now:

- the object itself, while its user has that email (or that identity);
- another object (`holder`): the user whose email was changed to this one, the user an identity
  joined or was linked to, or a successor object for an email this object's user no longer has.

A user keeps its object (and `user_id`) for life, so after an email change the object named by the
old email still holds the user, but not the old name: that name reaches nobody until someone signs
up with it again, in a successor object of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeauth.ports import ObjectStorage

SCHEMA = """CREATE TABLE IF NOT EXISTS object_name (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    tenant_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    holder     TEXT,
    held_since INTEGER NOT NULL DEFAULT 0
)"""
EMAIL = "email:"
IDENTITY = "identity:"
USER_ID = "user_id:"


@dataclass(frozen=True)
class ObjectName:
    tenant_id: str
    name: str
    holder: str | None
    held_since: int

    @property
    def email(self) -> str | None:
        """The email this object is named by (None for an identity's object)."""
        return self.name.removeprefix(EMAIL) if self.name.startswith(EMAIL) else None


def read(storage: ObjectStorage) -> ObjectName | None:
    rows = storage.exec("SELECT tenant_id, name, holder, held_since FROM object_name")
    return ObjectName(**rows[0]) if rows else None


def read_email(storage: ObjectStorage) -> str | None:
    """The email this object is named by (None for an identity's object)."""
    found = read(storage)
    return found.email if found else None


def record(storage: ObjectStorage, tenant_id: str, name: str) -> ObjectName:
    """The first call by name: this object belongs to `tenant_id` and is named `name`, for good."""
    storage.exec(
        "INSERT OR IGNORE INTO object_name (singleton, tenant_id, name) VALUES (1, ?, ?)", tenant_id, name
    )
    found = read(storage)
    assert found is not None
    return found


def set_holder(storage: ObjectStorage, holder: str | None, now: int) -> None:
    storage.exec("UPDATE object_name SET holder = ?, held_since = ?", holder, now)


def release_holder(storage: ObjectStorage, holder: str) -> None:
    """`holder` no longer answers to this name (its email changed again, or it was deleted)."""
    storage.exec("UPDATE object_name SET holder = NULL, held_since = 0 WHERE holder = ?", holder)
