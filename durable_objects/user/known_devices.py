"""The devices (browsers) a user has logged in from: Auth0 Adaptive MFA's NewDevice assessment.

A browser's `edgeauth_device` cookie holds one token per user who logged in on it (the last
`TOKENS_PER_COOKIE`), each `{object id}.{secret}` minted here, never taken from the browser: a planted
value names no device of this user. The object keeps each secret's digest and when the device
last completed a login. A login whose browser holds no token of this user used within
`RECENT_DAYS` is of low confidence (`authentication.Authentication.finish`). A device becomes known
only by a login that proved something besides the password (a second factor, the mailbox) or
that it already was; enrolling or removing a factor, and signing out everywhere, forget them all.
"""

from __future__ import annotations

from edgeauth.ports import ObjectStorage
from edgeauth.users.opaque import digest, new_token, split_token, tokens_value

SCHEMA = """CREATE TABLE IF NOT EXISTS known_devices (
    digest    TEXT PRIMARY KEY,
    last_seen INTEGER NOT NULL
)"""
RECENT_DAYS = 30  # Auth0: "a device that has not been used to access the account in the last 30 days"
DAY = 86400


def _ours(object_id: str, tokens: list[str]) -> list[str]:
    """The secrets of this object's tokens among the browser's."""
    return [parts[1] for token in tokens if (parts := split_token(token)) and parts[0] == object_id]


def known(storage: ObjectStorage, object_id: str, tokens: list[str], now: int) -> str | None:
    """The secret of the browser's token of this user that completed a login within `RECENT_DAYS`."""
    recent = now - RECENT_DAYS * DAY
    for secret in _ours(object_id, tokens):
        if storage.exec(
            "SELECT 1 FROM known_devices WHERE digest = ? AND last_seen > ?", digest(secret), recent
        ):
            return secret
    return None


def seen(storage: ObjectStorage, object_id: str, tokens: list[str], now: int, *, proven: bool) -> str | None:
    """A login of this user completed on this browser: its token of this user seen again, or a
    new one when the login proved more than the password (`proven`: a second factor, the
    mailbox); the browser's cookie value after it (this user's token first, then the others'),
    or None when the browser stays unknown (the password alone makes no device known: it would
    skip the factor the user enrolls later)."""
    secret = known(storage, object_id, tokens, now)
    if secret is None and not proven:
        return None
    storage.exec("DELETE FROM known_devices WHERE last_seen <= ?", now - RECENT_DAYS * DAY)
    if secret is None:
        token, secret_digest = new_token(object_id)
    else:
        token, secret_digest = f"{object_id}.{secret}", digest(secret)
    storage.exec(
        "INSERT INTO known_devices (digest, last_seen) VALUES (?, ?) "
        "ON CONFLICT (digest) DO UPDATE SET last_seen = excluded.last_seen",
        secret_digest,
        now,
    )
    others = [t for t in tokens if (parts := split_token(t)) and parts[0] != object_id]
    return tokens_value([token, *others])


def forget_all(storage: ObjectStorage) -> None:
    storage.exec("DELETE FROM known_devices")
