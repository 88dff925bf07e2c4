"""One-time secrets in the user's object: email codes, magic links, reset and verification tickets,
login tickets (docs/architecture.md, "Storage and consistency": anything single-use lives in the user's
object).

Links and tickets are opaque `{object id}.{secret}` tokens; an email code is six digits. Only a
digest is stored; a secret is spent by deleting its row, so of two concurrent uses one wins.
Every secret records the tenant it was issued for: a token reaches its object whatever the host.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any

from edgeauth.ports import ObjectStorage
from edgeauth.users.opaque import digest, new_token

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS one_time (
        digest     TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        payload    TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        failures   INTEGER NOT NULL DEFAULT 0
    )""",
    # Wrong email codes across all codes of the last day (the account-wide backoff).
    """CREATE TABLE IF NOT EXISTS code_failures (
        singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
        failures     INTEGER NOT NULL,
        last_failure INTEGER NOT NULL
    )""",
)
# Lifetimes in seconds: Auth0's passwordless OTP and link (300), its email-link tickets (5 days),
# a short one for the cross-origin login ticket, redeemed by the next request, and the mfa_token's.
LIFETIMES = {
    "email_code": 300,
    "signup_code": 300,
    "mfa_email_code": 300,
    "magic_link": 300,
    "password_reset": 5 * 86400,
    "email_verification": 5 * 86400,
    "enrollment_ticket": 5 * 86400,  # Auth0 Guardian's enrollment ticket (an admin's invitation)
    "login_ticket": 120,
    "mfa": 600,  # Auth0's mfa_token: ten minutes to pass the second factor
}
CODE_DIGITS = 6
EMAIL_CODE = "email_code"  # the passwordless login's code
# A code is burned after this many wrong tries (a new code starts afresh) …
TRIES_PER_CODE = 5
# … and after only one once the account has seen this many wrong codes in a day: guessing then
# costs a new code (an email to the owner) per try, while the owner's right code still works.
ACCOUNT_CODE_FAILURES = 10
FORGET_AFTER = 24 * 3600


def _store(storage: ObjectStorage, kind: str, secret_digest: str, payload: dict[str, Any], now: int) -> None:
    storage.exec("DELETE FROM one_time WHERE expires_at <= ?", now)
    storage.exec(
        "INSERT INTO one_time (digest, kind, payload, expires_at) VALUES (?, ?, ?, ?)",
        secret_digest,
        kind,
        json.dumps(payload, separators=(",", ":")),
        now + LIFETIMES[kind],
    )


def issue_token(storage: ObjectStorage, object_id: str, kind: str, payload: dict[str, Any], now: int) -> str:
    """A new single-use link or ticket of `kind` carrying `payload` (which names the tenant)."""
    token, secret_digest = new_token(object_id)
    _store(storage, kind, secret_digest, payload, now)
    return token


def peek_token(
    storage: ObjectStorage, kind: str, secret: str, tenant_id: str, now: int
) -> dict[str, Any] | None:
    """The payload of a live token of `kind` for `tenant_id`, left unspent; else `None`."""
    rows = storage.exec("SELECT * FROM one_time WHERE digest = ? AND kind = ?", digest(secret), kind)
    if not rows or rows[0]["expires_at"] <= now:
        return None
    payload = json.loads(rows[0]["payload"])
    return payload if payload.get("tenant_id") == tenant_id else None


def spend_token(
    storage: ObjectStorage, kind: str, secret: str, tenant_id: str, now: int
) -> dict[str, Any] | None:
    """The payload of a live token of `kind` for `tenant_id`, deleted as it is read; else `None`."""
    payload = peek_token(storage, kind, secret, tenant_id, now)
    if payload is not None:
        storage.exec("DELETE FROM one_time WHERE digest = ?", digest(secret))
    return payload


def revoke_kind(storage: ObjectStorage, kind: str) -> None:
    """Every live secret of `kind` is void (a password reset ends pending mfa_tokens)."""
    storage.exec("DELETE FROM one_time WHERE kind = ?", kind)


def _code_digest(object_id: str, code: str) -> str:
    return digest(f"{object_id}:{code}")


def issue_code(
    storage: ObjectStorage, object_id: str, payload: dict[str, Any], now: int, kind: str = EMAIL_CODE
) -> str:
    """A new six-digit email code of `kind` (a passwordless login's, a signup's proof of the email,
    an MFA challenge's: each kind its own slot, so one never burns or opens another); it replaces
    any earlier one of its kind (Auth0: the last code sent counts)."""
    storage.exec("DELETE FROM one_time WHERE kind = ?", kind)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    _store(storage, kind, _code_digest(object_id, code), payload, now)
    return code


def spend_code(
    storage: ObjectStorage, object_id: str, code: str, now: int, kind: str = EMAIL_CODE
) -> dict[str, Any] | None:
    """The payload of the live code of `kind` equal to `code` (compared in constant time), spent.

    A wrong code counts against the live code, which is burned after `TRIES_PER_CODE` tries (one
    try once the account has seen `ACCOUNT_CODE_FAILURES` wrong codes in a day)."""
    rows = storage.exec("SELECT * FROM one_time WHERE kind = ? AND expires_at > ?", kind, now)
    presented = _code_digest(object_id, code)
    if rows and hmac.compare_digest(rows[0]["digest"], presented):
        storage.exec("DELETE FROM one_time WHERE kind = ?", kind)
        payload: dict[str, Any] = json.loads(rows[0]["payload"])
        return payload
    storage.exec(
        "INSERT INTO code_failures (singleton, failures, last_failure) VALUES (1, 1, ?)"
        " ON CONFLICT (singleton) DO UPDATE SET"
        " failures = CASE WHEN last_failure <= ? THEN 1 ELSE failures + 1 END,"
        " last_failure = excluded.last_failure",
        now,
        now - FORGET_AFTER,
    )
    if rows:
        account = storage.exec("SELECT failures FROM code_failures")[0]["failures"]
        tries = 1 if account >= ACCOUNT_CODE_FAILURES else TRIES_PER_CODE
        if rows[0]["failures"] + 1 >= tries:
            storage.exec("DELETE FROM one_time WHERE kind = ?", kind)
        else:
            storage.exec("UPDATE one_time SET failures = failures + 1 WHERE kind = ?", kind)
    return None
