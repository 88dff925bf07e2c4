"""Refresh tokens in the user's object: rotation on every use, reuse revokes the family.

OAuth 2.0 Security BCP §4.14.2: each use returns a new token and invalidates the old one; a
second use of an old token means it leaked, so every token of its family (all descendants of
one authorization) is revoked. Lifetimes follow Auth0's defaults: 30 days absolute, 15 idle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from edgeauth.ports import ObjectStorage
from edgeauth.users.answers import Refusal, Refused, refused
from edgeauth.users.opaque import digest, new_token

SCHEMA = """CREATE TABLE IF NOT EXISTS refresh_tokens (
    digest          TEXT PRIMARY KEY,
    family          TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    request         TEXT NOT NULL,
    sid             TEXT NOT NULL,
    auth_time       INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    used_at         INTEGER,
    revoked         INTEGER NOT NULL DEFAULT 0
)"""
# Families whose login passed a second factor (their tokens' ID tokens say `amr: ["mfa"]`; while
# the tenant requires MFA, a family not listed here must pass one before it is rotated).
MFA_SCHEMA = "CREATE TABLE IF NOT EXISTS mfa_families (family TEXT PRIMARY KEY)"
ABSOLUTE_LIFETIME = 30 * 86400
IDLE_LIFETIME = 15 * 86400


def issue_refresh_token(
    storage: ObjectStorage,
    object_id: str,
    *,
    family: str,
    request: dict[str, Any],
    sid: str,
    auth_time: int,
    now: int,
    expires_at: int | None = None,
) -> str:
    """A new token in `family`; a rotated one keeps its family's absolute expiry."""
    storage.exec("DELETE FROM refresh_tokens WHERE expires_at <= ?", now)
    token, secret_digest = new_token(object_id)
    absolute = expires_at if expires_at is not None else now + ABSOLUTE_LIFETIME
    storage.exec(
        "INSERT INTO refresh_tokens (digest, family, client_id, request, sid, auth_time, expires_at,"
        " idle_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        secret_digest,
        family,
        request["client_id"],
        json.dumps(request, separators=(",", ":")),
        sid,
        auth_time,
        absolute,
        min(absolute, now + IDLE_LIFETIME),
    )
    return token


def mark_mfa(storage: ObjectStorage, family: str) -> None:
    storage.exec("INSERT OR IGNORE INTO mfa_families (family) VALUES (?)", family)


def passed_mfa(storage: ObjectStorage, family: str) -> bool:
    return bool(storage.exec("SELECT 1 FROM mfa_families WHERE family = ?", family))


def _clients_row(storage: ObjectStorage, secret: str, client_id: str) -> dict[str, Any] | None:
    """The token's row, if it was issued to this client."""
    rows = storage.exec("SELECT * FROM refresh_tokens WHERE digest = ?", digest(secret))
    return rows[0] if rows and rows[0]["client_id"] == client_id else None


def _ended(row: dict[str, Any], now: int) -> bool:
    """Revoked, or past its absolute or idle lifetime."""
    return bool(row["revoked"] or row["expires_at"] <= now or row["idle_expires_at"] <= now)


def live(storage: ObjectStorage, secret: str, client_id: str, now: int) -> dict[str, Any] | None:
    """The token's row if it could be rotated now by this client (not used, revoked or expired)."""
    row = _clients_row(storage, secret, client_id)
    return row if row is not None and row["used_at"] is None and not _ended(row, now) else None


def revoke_family(storage: ObjectStorage, family: str) -> None:
    storage.exec("UPDATE refresh_tokens SET revoked = 1 WHERE family = ?", family)


def revoke_all(storage: ObjectStorage) -> None:
    """Every refresh token of the user is revoked (a password reset, a newly proven email)."""
    storage.exec("UPDATE refresh_tokens SET revoked = 1")


@dataclass(frozen=True)
class Rotated:
    """A refresh token used once: the request it carried, its session, and its successor."""

    request: dict[str, Any]
    sid: str
    auth_time: int
    refresh_token: str
    mfa: bool  # its login passed a second factor


def rotate(
    storage: ObjectStorage, object_id: str, secret: str, client_id: str, scope: str, now: int
) -> Rotated | Refused:
    """Use a refresh token once. A `scope` wider than the original request is refused before the
    token is spent; a second use of a rotated token revokes its family (it leaked)."""
    row = _clients_row(storage, secret, client_id)
    if row is None:
        return refused(Refusal.INVALID_REFRESH_TOKEN)
    if row["used_at"] is not None and not row["revoked"]:
        revoke_family(storage, row["family"])
        return refused(Refusal.INVALID_REFRESH_TOKEN)
    if _ended(row, now):
        return refused(Refusal.INVALID_REFRESH_TOKEN)
    request = json.loads(row["request"])
    if set(scope.split()) - set(request["scope"].split()):
        return refused(Refusal.SCOPE_EXCEEDED)
    storage.exec("UPDATE refresh_tokens SET used_at = ? WHERE digest = ?", now, digest(secret))
    token = issue_refresh_token(
        storage,
        object_id,
        family=row["family"],
        request=request,
        sid=row["sid"],
        auth_time=row["auth_time"],
        now=now,
        expires_at=row["expires_at"],
    )
    return Rotated(request, row["sid"], row["auth_time"], token, passed_mfa(storage, row["family"]))


def revoke(storage: ObjectStorage, secret: str, client_id: str) -> bool:
    """RFC 7009 §2.1: revoking a refresh token revokes its family; another client's is ignored."""
    rows = storage.exec("SELECT family, client_id FROM refresh_tokens WHERE digest = ?", digest(secret))
    if not rows or rows[0]["client_id"] != client_id:
        return False
    revoke_family(storage, rows[0]["family"])
    return True
