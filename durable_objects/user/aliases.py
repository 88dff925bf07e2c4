"""Email changes: objects are named by email, but a user keeps its object (and `user_id`) for life.

After an email change the object named by the new email becomes an alias: it holds no user, only
the id of the object that does. The user's own object remembers the email it is named by, so a login
through that old name stops working. The old email cannot sign up again while the user exists (its
object is occupied): docs/decisions.md.
"""

from __future__ import annotations

from edgeauth.ports import ObjectStorage

SCHEMA = """CREATE TABLE IF NOT EXISTS object_name (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    email     TEXT NOT NULL,  -- the email this object is named by (or, on an alias, its email)
    alias_of  TEXT            -- on an alias: the id of the object that holds the user
)"""


def alias_target(storage: ObjectStorage) -> tuple[str, str] | None:
    """(target object id, email) when this object is an alias."""
    rows = storage.exec("SELECT alias_of, email FROM object_name WHERE alias_of IS NOT NULL")
    return (rows[0]["alias_of"], rows[0]["email"]) if rows else None


def set_alias(storage: ObjectStorage, email: str, target_id: str) -> None:
    storage.exec(
        "INSERT OR REPLACE INTO object_name (singleton, email, alias_of) VALUES (1, ?, ?)", email, target_id
    )


def clear_alias(storage: ObjectStorage, target_id: str) -> None:
    storage.exec("DELETE FROM object_name WHERE alias_of = ?", target_id)


def remember_name(storage: ObjectStorage, email: str) -> None:
    """Before the user's first email change: the email is still the one the object is named by."""
    storage.exec("INSERT OR IGNORE INTO object_name (singleton, email) VALUES (1, ?)", email)


def name_email(storage: ObjectStorage, current_email: str) -> str:
    """The email a direct call (a lookup by email) reached this user object by."""
    rows = storage.exec("SELECT email FROM object_name WHERE alias_of IS NULL")
    return rows[0]["email"] if rows else current_email
