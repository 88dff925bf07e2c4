"""Browsers that passed MFA and asked to be remembered (Auth0's "Remember this browser" on its MFA
screens): the browser's cookie holds `{object id}.{secret}`, the object a digest and an expiry.
Such a browser's next logins of this user need no second factor until then; a password change,
a block or sign-out everywhere, and removing the user's factors forget every browser."""

from __future__ import annotations

from edgeauth.ports import ObjectStorage
from edgeauth.users.opaque import digest, new_token, split_token

SCHEMA = """CREATE TABLE IF NOT EXISTS remembered_browsers (
    digest     TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
)"""
DAY = 86400
MAX_DAYS = 365


def remember(storage: ObjectStorage, object_id: str, now: int) -> str:
    """A new browser token (how long it counts is the tenant's setting at each use)."""
    storage.exec("DELETE FROM remembered_browsers WHERE created_at <= ?", now - MAX_DAYS * DAY)
    token, secret_digest = new_token(object_id)
    storage.exec("INSERT INTO remembered_browsers (digest, created_at) VALUES (?, ?)", secret_digest, now)
    return token


def is_remembered(storage: ObjectStorage, object_id: str, token: str, days: int, now: int) -> bool:
    """Whether this browser's token is one of this object's, given less than `days` ago (the
    tenant's setting now: shortening it shortens the browsers already remembered)."""
    parts = split_token(token)
    if parts is None or parts[0] != object_id or days <= 0:
        return False
    rows = storage.exec(
        "SELECT 1 FROM remembered_browsers WHERE digest = ? AND created_at > ?",
        digest(parts[1]),
        now - days * DAY,
    )
    return bool(rows)


def forget_all(storage: ObjectStorage) -> None:
    storage.exec("DELETE FROM remembered_browsers")
