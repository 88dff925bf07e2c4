"""The devices (browsers) a user has logged in from: Auth0 Adaptive MFA's NewDevice assessment.

A browser carries a random device id in a cookie (`edgeauth.http.cookies.DEVICE_COOKIE`), the same
for every user of that browser; the user's object keeps a digest of each id its user completed a
login with, and when. A login from an id not seen for `RECENT_DAYS` is of low confidence: under
the `confidence-score` policy it asks for a second factor (`authentication.Authentication.finish`).
"""

from __future__ import annotations

import hashlib

from edgeauth.ports import ObjectStorage

SCHEMA = """CREATE TABLE IF NOT EXISTS known_devices (
    digest    TEXT PRIMARY KEY,
    last_seen INTEGER NOT NULL
)"""
RECENT_DAYS = 30  # Auth0: "a device that has not been used to access the account in the last 30 days"
DAY = 86400


def _digest(device: str) -> str:
    return hashlib.sha256(device.encode()).hexdigest()


def is_known(storage: ObjectStorage, device: str, now: int) -> bool:
    """This device completed a login of this user within `RECENT_DAYS`."""
    if not device:
        return False
    rows = storage.exec(
        "SELECT 1 FROM known_devices WHERE digest = ? AND last_seen > ?",
        _digest(device),
        now - RECENT_DAYS * DAY,
    )
    return bool(rows)


def seen(storage: ObjectStorage, device: str, now: int) -> None:
    """A login of this user completed on this device (older entries are dropped)."""
    storage.exec("DELETE FROM known_devices WHERE last_seen <= ?", now - RECENT_DAYS * DAY)
    storage.exec(
        "INSERT INTO known_devices (digest, last_seen) VALUES (?, ?) "
        "ON CONFLICT (digest) DO UPDATE SET last_seen = excluded.last_seen",
        _digest(device),
        now,
    )


def forget_all(storage: ObjectStorage) -> None:
    storage.exec("DELETE FROM known_devices")
