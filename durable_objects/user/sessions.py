"""SSO sessions in the user's object: the browser cookie holds `{object id}.{secret}`.

A session has an absolute and an idle lifetime, the tenant's `session_lifetime` and
`idle_session_lifetime` (Auth0: 7 days and 3 days by default), applied at every use, so a tenant
that shortens them shortens live sessions too. `sid` is what ID tokens and logout carry,
`auth_time` when the user last proved who they are.
"""

from __future__ import annotations

import secrets
from typing import Any, TypedDict

from edgeauth.ports import ObjectStorage
from edgeauth.users.opaque import digest, new_token

SCHEMA = """CREATE TABLE IF NOT EXISTS sessions (
    digest     TEXT PRIMARY KEY,
    sid        TEXT NOT NULL UNIQUE,
    auth_time  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
)"""


# Sessions whose login passed a second factor: while the tenant requires MFA, only these are
# reused at `/authorize`, and their codes' ID tokens say `amr: ["mfa"]`.
MFA_SCHEMA = "CREATE TABLE IF NOT EXISTS mfa_sessions (sid TEXT PRIMARY KEY)"


def mark_mfa(storage: ObjectStorage, sid: str) -> None:
    storage.exec("INSERT OR IGNORE INTO mfa_sessions (sid) VALUES (?)", sid)


def passed_mfa(storage: ObjectStorage, sid: str) -> bool:
    return bool(sid) and bool(storage.exec("SELECT 1 FROM mfa_sessions WHERE sid = ?", sid))


class Lifetimes(TypedDict):
    """Seconds: `absolute` from the login, `idle` from the last use."""

    absolute: int
    idle: int


def create_session(storage: ObjectStorage, object_id: str, now: int) -> dict[str, Any]:
    """A new session; returns its cookie token, `sid` and `auth_time`."""
    token, secret_digest = new_token(object_id)
    sid = secrets.token_urlsafe(24)
    storage.exec(
        "INSERT INTO sessions (digest, sid, auth_time, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
        secret_digest,
        sid,
        now,
        now,
        now,
    )
    return {"token": token, "sid": sid, "auth_time": now}


def find_session(
    storage: ObjectStorage, secret: str, now: int, lifetimes: Lifetimes
) -> dict[str, Any] | None:
    """The live session for a cookie secret, its idle lifetime extended; expired ones are gone."""
    storage.exec(
        "DELETE FROM sessions WHERE created_at <= ? OR last_seen <= ?",
        now - lifetimes["absolute"],
        now - lifetimes["idle"],
    )
    rows = storage.exec("SELECT sid, auth_time FROM sessions WHERE digest = ?", digest(secret))
    if not rows:
        return None
    storage.exec("UPDATE sessions SET last_seen = ? WHERE digest = ?", now, digest(secret))
    return rows[0]


def sid_of(storage: ObjectStorage, secret: str) -> str | None:
    """The `sid` of the session a cookie secret names (not extended, not checked for age: the
    caller has just created it)."""
    rows = storage.exec("SELECT sid FROM sessions WHERE digest = ?", digest(secret))
    return str(rows[0]["sid"]) if rows else None


def end_session(storage: ObjectStorage, secret: str) -> str | None:
    """Delete the cookie's session; returns its `sid`."""
    rows = storage.exec("SELECT sid FROM sessions WHERE digest = ?", digest(secret))
    storage.exec("DELETE FROM sessions WHERE digest = ?", digest(secret))
    return rows[0]["sid"] if rows else None


def end_all_sessions(storage: ObjectStorage) -> None:
    """Every SSO session of the user ends (a password change, a block, an email change or proof)."""
    storage.exec("DELETE FROM sessions")
