"""SSO sessions in the user's object: the browser cookie holds `{object id}.{secret}`.

A session has an absolute and an idle lifetime (Auth0 tenant session settings: 7 days / 3 days
by default); `sid` is what ID tokens and logout carry, `auth_time` when the user last proved
who they are.
"""

from __future__ import annotations

import secrets
from typing import Any

from edgeauth.ports import ObjectStorage
from edgeauth.users.opaque import digest, new_token

SCHEMA = """CREATE TABLE IF NOT EXISTS sessions (
    digest          TEXT PRIMARY KEY,
    sid             TEXT NOT NULL UNIQUE,
    auth_time       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL
)"""
ABSOLUTE_LIFETIME = 7 * 86400
IDLE_LIFETIME = 3 * 86400


def create_session(storage: ObjectStorage, object_id: str, now: int) -> dict[str, Any]:
    """A new session; returns its cookie token, `sid` and `auth_time`."""
    token, secret_digest = new_token(object_id)
    sid = secrets.token_urlsafe(24)
    storage.exec(
        "INSERT INTO sessions (digest, sid, auth_time, created_at, expires_at, idle_expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        secret_digest,
        sid,
        now,
        now,
        now + ABSOLUTE_LIFETIME,
        now + IDLE_LIFETIME,
    )
    return {"token": token, "sid": sid, "auth_time": now}


def find_session(storage: ObjectStorage, secret: str, now: int) -> dict[str, Any] | None:
    """The live session for a cookie secret, its idle lifetime extended; expired ones are gone."""
    storage.exec("DELETE FROM sessions WHERE expires_at <= ? OR idle_expires_at <= ?", now, now)
    rows = storage.exec("SELECT sid, auth_time FROM sessions WHERE digest = ?", digest(secret))
    if not rows:
        return None
    storage.exec(
        "UPDATE sessions SET idle_expires_at = MIN(expires_at, ?) WHERE digest = ?",
        now + IDLE_LIFETIME,
        digest(secret),
    )
    return rows[0]


def end_session(storage: ObjectStorage, secret: str) -> str | None:
    """Delete the cookie's session; returns its `sid`."""
    rows = storage.exec("SELECT sid FROM sessions WHERE digest = ?", digest(secret))
    storage.exec("DELETE FROM sessions WHERE digest = ?", digest(secret))
    return rows[0]["sid"] if rows else None


def end_all_sessions(storage: ObjectStorage) -> None:
    """Every SSO session of the user ends (a password reset, a newly proven email)."""
    storage.exec("DELETE FROM sessions")
