"""Brute-force protection of a user's passwords (Auth0 "Brute-force protection"), in two layers.

1. Per (user, IP), as Auth0's: ten wrong passwords in a row from one IP block that IP from this
   account for 15 minutes; other IPs are unaffected.
2. Per account, across IPs (an attacker with many addresses): from the twentieth failure in a day,
   each attempt from an IP the user has never logged in from must wait an exponentially growing
   delay (2 s, 4 s, … capped at 15 minutes) after the last failure, else `too_many_attempts`. IPs
   the user logged in from before are exempt, so a stranger cannot lock the owner out.

The IP is the one the runtime vouches for (`edgeauth.audit.client_ip`): `CF-Connecting-IP` on
Workers, the socket peer locally.
"""

from __future__ import annotations

from edgeauth.ports import ObjectStorage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS failed_logins (
        ip           TEXT PRIMARY KEY,
        failures     INTEGER NOT NULL,
        locked_until INTEGER NOT NULL DEFAULT 0,
        last_failure INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS account_failures (
        singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
        failures     INTEGER NOT NULL,
        last_failure INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS known_ips (
        ip           TEXT PRIMARY KEY,
        last_success INTEGER NOT NULL
    )""",
)
MAX_FAILURES = 10
LOCKOUT_SECONDS = 15 * 60
FORGET_AFTER = 24 * 3600
ACCOUNT_THRESHOLD = 20
MAX_BACKOFF_SECONDS = 15 * 60
KNOWN_IPS = 20


def _ip_locked(storage: ObjectStorage, ip: str, now: int) -> bool:
    rows = storage.exec("SELECT locked_until FROM failed_logins WHERE ip = ?", ip)
    return bool(rows) and rows[0]["locked_until"] > now


def account_backoff(failures: int) -> int:
    """Seconds an unknown IP waits after the last failure, once the account is under attack."""
    if failures < ACCOUNT_THRESHOLD:
        return 0
    return int(min(2 ** min(failures - ACCOUNT_THRESHOLD + 1, 20), MAX_BACKOFF_SECONDS))


def _account_waiting(storage: ObjectStorage, ip: str, now: int) -> bool:
    rows = storage.exec("SELECT failures, last_failure FROM account_failures")
    if not rows or rows[0]["last_failure"] <= now - FORGET_AFTER:
        return False
    if storage.exec("SELECT 1 FROM known_ips WHERE ip = ?", ip):
        return False
    return bool(now < rows[0]["last_failure"] + account_backoff(rows[0]["failures"]))


def is_locked(storage: ObjectStorage, ip: str, now: int) -> bool:
    """Whether an attempt from `ip` is refused before the password is even checked."""
    return _ip_locked(storage, ip, now) or _account_waiting(storage, ip, now)


def record_failure(storage: ObjectStorage, ip: str, now: int) -> None:
    """Count a failure for the IP (the tenth in a row locks it) and for the account."""
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
    storage.exec(
        "INSERT INTO account_failures (singleton, failures, last_failure) VALUES (1, 1, ?)"
        " ON CONFLICT (singleton) DO UPDATE SET"
        " failures = CASE WHEN last_failure <= ? THEN 1 ELSE failures + 1 END,"
        " last_failure = excluded.last_failure",
        now,
        now - FORGET_AFTER,
    )


def record_success(storage: ObjectStorage, ip: str, now: int) -> None:
    """The owner got in from `ip`: its counter clears and it becomes a known IP (the account's
    counter does not: an attacker elsewhere gains nothing from the owner's logins)."""
    storage.exec("DELETE FROM failed_logins WHERE ip = ?", ip)
    storage.exec(
        "INSERT INTO known_ips (ip, last_success) VALUES (?, ?)"
        " ON CONFLICT (ip) DO UPDATE SET last_success = excluded.last_success",
        ip,
        now,
    )
    storage.exec(
        "DELETE FROM known_ips WHERE ip NOT IN (SELECT ip FROM known_ips ORDER BY last_success DESC LIMIT ?)",
        KNOWN_IPS,
    )
