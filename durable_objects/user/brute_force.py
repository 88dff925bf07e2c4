"""Brute-force protection per (user, IP), as Auth0's: ten wrong passwords in a row from one IP block
password logins to this account from that IP for a while; other IPs are unaffected, so a stranger
cannot lock a user out of their own account."""

from __future__ import annotations

from edgeauth.ports import ObjectStorage

SCHEMA = """CREATE TABLE IF NOT EXISTS failed_logins (
    ip           TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    last_failure INTEGER NOT NULL
)"""
MAX_FAILURES = 10
LOCKOUT_SECONDS = 15 * 60
FORGET_AFTER = 24 * 3600


def is_locked(storage: ObjectStorage, ip: str, now: int) -> bool:
    rows = storage.exec("SELECT locked_until FROM failed_logins WHERE ip = ?", ip)
    return bool(rows) and rows[0]["locked_until"] > now


def record_failure(storage: ObjectStorage, ip: str, now: int) -> None:
    """Count a failure; the tenth in a row locks this IP out of this account."""
    storage.exec("DELETE FROM failed_logins WHERE last_failure <= ?", now - FORGET_AFTER)
    rows = storage.exec("SELECT failures FROM failed_logins WHERE ip = ?", ip)
    failures = (rows[0]["failures"] if rows else 0) + 1
    locked_until = now + LOCKOUT_SECONDS if failures >= MAX_FAILURES else 0
    storage.exec(
        "INSERT INTO failed_logins (ip, failures, locked_until, last_failure) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (ip) DO UPDATE SET failures = excluded.failures,"
        " locked_until = excluded.locked_until, last_failure = excluded.last_failure",
        ip,
        0 if locked_until else failures,
        locked_until,
        now,
    )


def clear(storage: ObjectStorage, ip: str) -> None:
    storage.exec("DELETE FROM failed_logins WHERE ip = ?", ip)
