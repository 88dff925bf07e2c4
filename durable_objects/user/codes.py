"""Authorization codes in the user's object: single use, short-lived, bound to the request.

RFC 6749 §4.1.2 and §4.1.3: a code is used once, by the client it was issued to, with the same
redirect_uri; RFC 7636 §4.6: the verifier must hash to the stored S256 challenge. Redemption is
one synchronous step in the object, so of concurrent redemptions exactly one wins.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from edgeauth.encoding import s256
from edgeauth.ports import ObjectStorage
from edgeauth.users.answers import Refusal, Refused, refused
from edgeauth.users.opaque import digest, new_token

SCHEMA = """CREATE TABLE IF NOT EXISTS codes (
    digest     TEXT PRIMARY KEY,
    request    TEXT NOT NULL,
    sid        TEXT NOT NULL,
    auth_time  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
)"""
CODE_LIFETIME = 300
# RFC 7636 §4.1: 43 to 128 unreserved characters.
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def issue_code(
    storage: ObjectStorage, object_id: str, request: dict[str, Any], sid: str, auth_time: int, now: int
) -> str:
    storage.exec("DELETE FROM codes WHERE expires_at <= ?", now - CODE_LIFETIME)
    token, secret_digest = new_token(object_id)
    storage.exec(
        "INSERT INTO codes (digest, request, sid, auth_time, expires_at) VALUES (?, ?, ?, ?, ?)",
        secret_digest,
        json.dumps(request, separators=(",", ":")),
        sid,
        auth_time,
        now + CODE_LIFETIME,
    )
    return token


def check_binding(
    request: dict[str, Any], client_id: str, redirect_uri: str, code_verifier: str
) -> str | None:
    """Why the redemption is refused, or `None`."""
    if request["client_id"] != client_id:
        return "The authorization code was issued to another client."
    if request["redirect_uri"] != redirect_uri:
        return "The redirect_uri does not match the one of the authorization request."
    challenge = request.get("code_challenge") or ""
    if not challenge:
        # RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a downgrade attempt.
        return "code_verifier was sent but no code_challenge was in the request" if code_verifier else None
    if not code_verifier:
        return "Missing required parameter: code_verifier"
    if not VERIFIER.fullmatch(code_verifier) or not hmac.compare_digest(s256(code_verifier), challenge):
        return "Failed to verify code verifier"
    return None


@dataclass(frozen=True)
class RedeemedCode:
    """A first, valid use: the request the code was issued for, its session, its family (the
    refresh tokens it starts are revoked if the code is ever used again)."""

    request: dict[str, Any]
    sid: str
    auth_time: int
    family: str


@dataclass(frozen=True)
class ReusedCode:
    """A second use of a code: whatever it issued is revoked (RFC 6749 §4.1.2)."""

    family: str


def redeem_code(
    storage: ObjectStorage,
    secret: str,
    client_id: str,
    redirect_uri: str,
    code_verifier: str,
    now: int,
) -> RedeemedCode | ReusedCode | Refused:
    """Spend the code; any attempt spends it, a refused one too."""
    rows = storage.exec("SELECT * FROM codes WHERE digest = ?", digest(secret))
    if not rows or rows[0]["expires_at"] <= now:
        return refused(Refusal.INVALID_CODE)
    row = rows[0]
    if row["used_at"] is not None:
        return ReusedCode(digest(secret))
    storage.exec("UPDATE codes SET used_at = ? WHERE digest = ?", now, digest(secret))
    request = json.loads(row["request"])
    problem = check_binding(request, client_id, redirect_uri, code_verifier)
    if problem:
        return refused(Refusal.INVALID_CODE, problem)
    return RedeemedCode(request, row["sid"], row["auth_time"], digest(secret))
