"""One-time secrets in the user's object: email codes, magic links, reset and verification tickets,
login tickets (design.md, "Consistency rules": anything single-use lives in the user's object).

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

SCHEMA = """CREATE TABLE IF NOT EXISTS one_time (
    digest     TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    expires_at INTEGER NOT NULL
)"""
# Lifetimes in seconds: Auth0's passwordless OTP and link (300), its email-link tickets (5 days),
# and a short one for the cross-origin login ticket, redeemed by the next request.
LIFETIMES = {
    "email_code": 300,
    "magic_link": 300,
    "password_reset": 5 * 86400,
    "email_verification": 5 * 86400,
    "login_ticket": 120,
}
CODE_DIGITS = 6


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


def spend_token(
    storage: ObjectStorage, kind: str, secret: str, tenant_id: str, now: int
) -> dict[str, Any] | None:
    """The payload of a live token of `kind` for `tenant_id`, deleted as it is read; else `None`."""
    rows = storage.exec("SELECT * FROM one_time WHERE digest = ? AND kind = ?", digest(secret), kind)
    if not rows or rows[0]["expires_at"] <= now:
        return None
    payload = json.loads(rows[0]["payload"])
    if payload.get("tenant_id") != tenant_id:
        return None
    storage.exec("DELETE FROM one_time WHERE digest = ?", rows[0]["digest"])
    return payload


def _code_digest(object_id: str, code: str) -> str:
    return digest(f"{object_id}:{code}")


def issue_code(storage: ObjectStorage, object_id: str, payload: dict[str, Any], now: int) -> str:
    """A new six-digit email code; it replaces any earlier one (Auth0: the last code sent counts)."""
    storage.exec("DELETE FROM one_time WHERE kind = 'email_code'")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    _store(storage, "email_code", _code_digest(object_id, code), payload, now)
    return code


def spend_code(storage: ObjectStorage, object_id: str, code: str, now: int) -> dict[str, Any] | None:
    """The payload of the live email code equal to `code` (compared in constant time), spent."""
    rows = storage.exec("SELECT * FROM one_time WHERE kind = 'email_code' AND expires_at > ?", now)
    presented = _code_digest(object_id, code)
    if not rows or not hmac.compare_digest(rows[0]["digest"], presented):
        return None
    storage.exec("DELETE FROM one_time WHERE kind = 'email_code'")
    return json.loads(rows[0]["payload"])
