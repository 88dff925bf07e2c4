"""Browsers that passed MFA and asked to be remembered (Auth0's "Remember this browser" on its MFA
screens): the browser's cookie holds `{object id}.{secret}`, the object a digest and an expiry.
Such a browser's next logins of this user need no second factor until then; a password change,
a block or sign-out everywhere, and removing the user's factors forget every browser."""

from __future__ import annotations

from edgeauth.ports import ObjectStorage
from edgeauth.users.opaque import digest, new_token, split_token

SCHEMA = """CREATE TABLE IF NOT EXISTS remembered_browsers (
    digest     TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
)"""
DAY = 86400


def remember(storage: ObjectStorage, object_id: str, days: int, now: int) -> str:
    """A new browser token for `days`."""
    storage.exec("DELETE FROM remembered_browsers WHERE expires_at <= ?", now)
    token, secret_digest = new_token(object_id)
    storage.exec(
        "INSERT INTO remembered_browsers (digest, expires_at) VALUES (?, ?)", secret_digest, now + days * DAY
    )
    return token


def is_remembered(storage: ObjectStorage, object_id: str, token: str, now: int) -> bool:
    """Whether this browser's token is one of this object's, and live."""
    parts = split_token(token)
    if parts is None or parts[0] != object_id:
        return False
    rows = storage.exec(
        "SELECT 1 FROM remembered_browsers WHERE digest = ? AND expires_at > ?", digest(parts[1]), now
    )
    return bool(rows)


def forget_all(storage: ObjectStorage) -> None:
    storage.exec("DELETE FROM remembered_browsers")
