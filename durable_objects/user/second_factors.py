"""Second factors in the user's object (Auth0 Guardian's `otp` and `recovery-code`), reached with
an mfa_token: the proof that the password was right, which is all a second-factor attempt can
start from.

- The mfa_token is a one-time secret of kind `mfa` (ten minutes, Auth0's lifetime) carrying the
  login's finish; a grant that passes the second factor spends it.
- An OTP authenticator is stored inactive at `/mfa/associate` and becomes active with its first
  good code (Auth0: the enrolment is confirmed by the `mfa-otp` grant). Its secret is sealed with
  the deployment key; a code is good once (the last accepted time step is kept).
- A recovery code is given with the first enrolment, stored as its SHA-256, good once; using it
  gives a new one (Auth0).
- Wrong codes count per authenticator, a leaky bucket (`MAX_FAILURES`, one more try every
  `REFILL_SECONDS`); the other factor still works, so a thief with the password cannot lock the
  owner out of every factor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from durable_objects.user import known_devices, one_time, security_keys
from edgeauth.mfa import totp
from edgeauth.mfa.audience import for_mfa_api
from edgeauth.mfa.factors import FIRST_FACTORS, masked
from edgeauth.ports import Crypto, ObjectStorage
from edgeauth.rows import iso_now
from edgeauth.users.opaque import digest

# Emails the email factor sent (a cap, so a password does not buy an unbounded number of codes or
# fill the owner's mailbox).
SENDS_SCHEMA = "CREATE TABLE IF NOT EXISTS mfa_email_sends (sent_at INTEGER NOT NULL)"
MAX_EMAILS = 5
EMAIL_WINDOW = 600
MFA_EMAIL_CODE = "mfa_email_code"
ENROLLMENT_TICKET = "enrollment_ticket"
SCHEMA = """CREATE TABLE IF NOT EXISTS authenticators (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    secret       TEXT NOT NULL,
    active       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    last_step    INTEGER NOT NULL DEFAULT 0,
    failures     INTEGER NOT NULL DEFAULT 0,
    last_failure INTEGER NOT NULL DEFAULT 0
)"""
OTP = "otp"
RECOVERY_CODE = "recovery-code"
EMAIL = "email"  # a code to the user's verified email (Auth0: nothing to enroll)
# Wrong codes per authenticator, a leaky bucket as Auth0's: ten in a row, then one more try every
# six minutes (at most ten an hour); a good code empties the bucket.
MAX_FAILURES = 10
REFILL_SECONDS = 6 * 60
# Auth0's recovery codes: 24 characters of capitals and digits.
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECOVERY_LENGTH = 24
ID_PREFIX = {OTP: "totp|dev_", RECOVERY_CODE: "recovery-code|dev_", EMAIL: "email-failures|"}


def new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace(" ", "").encode()).hexdigest()


def _all(storage: ObjectStorage) -> list[dict[str, Any]]:
    """Every authenticator, oldest first (the email factor's row only counts its wrong codes)."""
    return storage.exec(
        "SELECT id, type, active, created_at FROM authenticators WHERE type != ? ORDER BY created_at, id",
        EMAIL,
    )


def listed(storage: ObjectStorage, factors: list[str]) -> list[dict[str, Any]]:
    """Auth0 `GET /mfa/authenticators`: each authenticator, `active` once confirmed; the email
    (`oob`, channel `email`) when that factor is on and the user's email verified."""
    codes = [
        {"id": row["id"], "authenticator_type": row["type"], "active": bool(row["active"])}
        for row in _all(storage)
    ]
    keys = security_keys.rows(storage, security_keys.SECOND_FACTORS)
    listing = codes + [{"id": row["id"], "authenticator_type": row["type"], "active": True} for row in keys]
    address = verified_email(storage) if EMAIL in factors else None
    if address:
        listing.append(
            {
                "id": email_authenticator_id(address),
                "authenticator_type": "oob",
                "oob_channel": EMAIL,
                "name": masked(address),
                "active": True,
            }
        )
    return listing


def verified_email(storage: ObjectStorage) -> str | None:
    """The user's email when verified (Auth0's email factor works for those only)."""
    rows = storage.exec("SELECT email, email_verified FROM user")
    return str(rows[0]["email"]) if rows and rows[0]["email"] and rows[0]["email_verified"] else None


def email_authenticator_id(address: str) -> str:
    return "email|dev_" + hashlib.sha256(address.encode()).hexdigest()[:20]


def second_to(storage: ObjectStorage, finish: dict[str, Any], factors: list[str]) -> list[str]:
    """The factors that can be this login's second: not the email when the login itself proved
    the mailbox (an email code or magic link: the same proof twice is one factor), nor for the
    MFA API when the user has another factor (the mailbox alone must not remove an app). A login
    of low confidence (Adaptive MFA) of a user with no factor is asked for the verified email."""
    named = [name for name in factors if not (name == EMAIL and finish.get("first") == EMAIL)]
    if finish.get("adaptive") and not enrolled(storage, named):
        # Adaptive MFA: a user with no factor proves the mailbox (not after an email login, and
        # not in an embedded login's ticket, which has no page to ask on).
        proves = (
            finish.get("first") != EMAIL and finish.get("kind") != "ticket" and not finish.get("embedded")
        )
        return [EMAIL] if proves and verified_email(storage) else []
    if for_mfa_api(finish.get("request")) and any(kind != EMAIL for kind in enrolled(storage, named)):
        return [name for name in named if name != EMAIL]
    return named


def enrolled(storage: ObjectStorage, factors: list[str]) -> list[str]:
    """The kinds of second factor the user has and the tenant enables (`factors`), security keys
    first, the email last; a recovery code alone is not an enrolment, and a factor the tenant
    turned off does not count (the user enrolls an enabled one instead)."""
    kinds = [row["type"] for row in security_keys.rows(storage, security_keys.SECOND_FACTORS)]
    if storage.exec("SELECT 1 FROM authenticators WHERE type = ? AND active = 1", OTP):
        kinds.append(OTP)
    if verified_email(storage):
        kinds.append(EMAIL)
    return [kind for kind in dict.fromkeys(kinds) if kind in factors]


def has_recovery_code(storage: ObjectStorage) -> bool:
    """An active recovery code: one the user was given with a confirmed enrolment."""
    return bool(storage.exec("SELECT 1 FROM authenticators WHERE type = ? AND active = 1", RECOVERY_CODE))


def is_enrolled(storage: ObjectStorage, factors: list[str]) -> bool:
    return bool(enrolled(storage, factors))


def requirements(storage: ObjectStorage, factors: list[str]) -> dict[str, list[dict[str, str]]]:
    """Auth0's `mfa_requirements`: what the user can be challenged with, or must enroll (the
    tenant's enabled first factors; an empty list when there is none: such a login cannot pass)."""
    kinds = enrolled(storage, factors)
    if kinds:
        return {"challenge": [{"type": kind} for kind in kinds]}
    return {"enroll": [{"type": name} for name in FIRST_FACTORS if name in factors]}


def _insert(storage: ObjectStorage, kind: str, secret: str, active: bool, now: int) -> str:
    authenticator_id = ID_PREFIX[kind] + secrets.token_urlsafe(12)
    storage.exec(
        "INSERT INTO authenticators (id, type, secret, active, created_at) VALUES (?, ?, ?, ?, ?)",
        authenticator_id,
        kind,
        secret,
        int(active),
        now,
    )
    return authenticator_id


def replace_recovery_code(storage: ObjectStorage, now: int, active: bool = True) -> str:
    """A new recovery code, the old one (if any) gone; one given with an authenticator app that
    is not confirmed yet stays inactive until it is (`check_otp`), so the password alone never
    buys a way in."""
    storage.exec("DELETE FROM authenticators WHERE type = ?", RECOVERY_CODE)
    code = new_recovery_code()
    _insert(storage, RECOVERY_CODE, _digest(code), active, now)
    return code


async def associate_otp(
    storage: ObjectStorage, crypto: Crypto, factors: list[str], with_recovery_code: bool, now: int
) -> tuple[str, str | None] | None:
    """A new inactive OTP authenticator (an earlier unconfirmed one is replaced): its secret, and a
    recovery code when asked for; None when the user has an active one. The secret is sealed
    first, so the check and the writes run with nothing awaited between them (no other call of
    this object can slip in)."""
    secret = totp.new_secret()
    sealed = await crypto.seal(secret.encode())
    if is_enrolled(storage, factors):
        return None
    drop_unconfirmed(storage)
    _insert(storage, OTP, sealed, False, now)
    return secret, replace_recovery_code(storage, now, active=False) if with_recovery_code else None


async def import_otp(storage: ObjectStorage, crypto: Crypto, secret: str, now: int) -> dict[str, Any]:
    """An authenticator app the user already has (Auth0 `POST /users/{id}/authentication-methods`
    `totp`: moving users in with their apps), active at once; it replaces the user's app, if any.
    The secret is sealed first, so the writes run with nothing awaited between them."""
    sealed = await crypto.seal(secret.encode())
    drop_unconfirmed(storage)
    storage.exec("DELETE FROM authenticators WHERE type = ?", OTP)
    authenticator_id = _insert(storage, OTP, sealed, True, now)
    enrolled_now(storage)
    return {"id": authenticator_id, "type": "totp", "confirmed": True, "created_at": iso_now(now)}


@dataclass(frozen=True)
class Checked:
    """A second factor's answer: passed, or why not."""

    passed: bool
    locked: bool = False
    enrolled: bool = False  # the good code confirmed an enrolment


def _failures(row: dict[str, Any], now: int) -> int:
    """The bucket's level now: the failures recorded, less one per `REFILL_SECONDS` since the last."""
    return max(0, int(row["failures"]) - (now - int(row["last_failure"])) // REFILL_SECONDS)


def _checked(storage: ObjectStorage, row: dict[str, Any], passed: bool, now: int) -> Checked:
    """Record a wrong code in the bucket (a full bucket is the lock), or empty it for a good one."""
    if passed:
        storage.exec("UPDATE authenticators SET failures = 0 WHERE id = ?", row["id"])
        return Checked(True)
    failures = _failures(row, now) + 1
    storage.exec(
        "UPDATE authenticators SET failures = ?, last_failure = ? WHERE id = ?", failures, now, row["id"]
    )
    return Checked(False, locked=failures >= MAX_FAILURES)


def _current(storage: ObjectStorage, kind: str) -> dict[str, Any] | None:
    """The authenticator of `kind` to check (an active one first)."""
    rows = storage.exec("SELECT * FROM authenticators WHERE type = ? ORDER BY active DESC", kind)
    return rows[0] if rows else None


def enrolled_now(storage: ObjectStorage) -> None:
    """A factor was just enrolled: enrollment tickets still out are void (a leaked one must not
    enroll another app later, after the factors are reset), and the devices Adaptive MFA knew
    are forgotten (one the password alone made known must not skip the new factor)."""
    one_time.revoke_kind(storage, ENROLLMENT_TICKET)
    known_devices.forget_all(storage)


def drop_unconfirmed(storage: ObjectStorage) -> None:
    """An authenticator app whose enrolment was never confirmed goes, with its recovery code, when
    another factor is enrolled: they were shown to whoever had the password, and must not become
    a way in."""
    storage.exec("DELETE FROM authenticators WHERE type IN (?, ?) AND active = 0", OTP, RECOVERY_CODE)


async def check_otp(
    storage: ObjectStorage, crypto: Crypto, factors: list[str], code: str, now: int
) -> Checked:
    """The code of the OTP authenticator (the active one, else the one being enrolled, while the
    user has no other enabled factor), once per time step; the first good code activates an
    enrolment. The secret is unsealed first; the lock, the comparison and the writes then run with
    nothing awaited between them, so parallel attempts are counted one by one and a code cannot
    pass twice."""
    found = _current(storage, OTP)
    if found is None:
        return Checked(False)
    secret = (await crypto.unseal(found["secret"])).decode()
    row = _current(storage, OTP)
    if row is None or row["id"] != found["id"]:
        return Checked(False)
    if not row["active"] and is_enrolled(storage, factors):
        return Checked(False)  # an enrolment is confirmed only while the user has no factor
    if _failures(row, now) >= MAX_FAILURES:
        return Checked(False, locked=True)
    step = totp.matching_step(secret, code, now, row["last_step"])
    if step is not None:
        storage.exec("UPDATE authenticators SET active = 1, last_step = ? WHERE id = ?", step, row["id"])
        if not row["active"]:  # an enrolment confirmed: its recovery code with it
            storage.exec("UPDATE authenticators SET active = 1 WHERE type = ?", RECOVERY_CODE)
            enrolled_now(storage)
    checked = _checked(storage, row, step is not None, now)
    return Checked(True, enrolled=not row["active"]) if checked.passed else checked


def _email_bucket(storage: ObjectStorage, now: int) -> dict[str, Any]:
    """The email factor's row of wrong codes (the leaky bucket every factor has), made at first use."""
    rows = storage.exec("SELECT * FROM authenticators WHERE type = ?", EMAIL)
    if rows:
        return rows[0]
    _insert(storage, EMAIL, "", True, now)
    return storage.exec("SELECT * FROM authenticators WHERE type = ?", EMAIL)[0]


def email_challenge(
    storage: ObjectStorage, object_id: str, mfa_secret: str, now: int
) -> dict[str, str] | None:
    """A code to the user's verified email for this mfa_token's login (Auth0's `oob` challenge on
    the email channel): the code to send, the address, and the `oob_code` naming the challenge;
    it replaces the user's earlier MFA email code. None without a verified email; `{}` while the
    factor is locked (wrong codes) or `MAX_EMAILS` went out in the last `EMAIL_WINDOW` seconds."""
    address = verified_email(storage)
    if address is None:
        return None
    storage.exec("DELETE FROM mfa_email_sends WHERE sent_at <= ?", now - EMAIL_WINDOW)
    sent = storage.exec("SELECT count(*) AS n FROM mfa_email_sends")[0]["n"]
    if sent >= MAX_EMAILS or _failures(_email_bucket(storage, now), now) >= MAX_FAILURES:
        return {}
    storage.exec("INSERT INTO mfa_email_sends (sent_at) VALUES (?)", now)
    oob_code = secrets.token_urlsafe(24)
    payload = {"mfa": digest(mfa_secret), "oob": digest(oob_code)}
    code = one_time.issue_code(storage, object_id, payload, now, MFA_EMAIL_CODE)
    return {"code": code, "email": address, "oob_code": oob_code}


def check_email_code(
    storage: ObjectStorage, object_id: str, mfa_secret: str, oob_code: str, code: str, now: int
) -> Checked:
    """The emailed code of this mfa_token's challenge (and of `oob_code`, when the app names it),
    once; wrong codes fill the factor's leaky bucket, as an authenticator app's."""
    bucket = _email_bucket(storage, now)
    if _failures(bucket, now) >= MAX_FAILURES:
        return Checked(False, locked=True)
    payload = one_time.spend_code(storage, object_id, code, now, MFA_EMAIL_CODE)
    passed = (
        payload is not None
        and hmac.compare_digest(payload["mfa"], digest(mfa_secret))
        and (not oob_code or hmac.compare_digest(payload["oob"], digest(oob_code)))
    )
    return _checked(storage, bucket, passed, now)


def check_recovery_code(storage: ObjectStorage, code: str, now: int) -> Checked:
    """The user's recovery code (a confirmed enrolment's), compared as digests in constant time;
    spent when right."""
    row = _current(storage, RECOVERY_CODE)
    if row is None or not row["active"]:
        return Checked(False)
    if _failures(row, now) >= MAX_FAILURES:
        return Checked(False, locked=True)
    passed = hmac.compare_digest(row["secret"], _digest(code))
    checked = _checked(storage, row, passed, now)
    if passed:
        storage.exec("DELETE FROM authenticators WHERE id = ?", row["id"])
    return checked


def delete(storage: ObjectStorage, authenticator_id: str | None = None) -> int:
    """One authenticator (a passkey too), or every second factor (Auth0 `DELETE
    /users/{id}/authenticators`: passkeys, a way to log in, stay); how many went."""
    everything = authenticator_id is None
    found = storage.exec("SELECT id FROM authenticators WHERE ? OR id = ?", everything, authenticator_id)
    keys = storage.exec(
        "SELECT id FROM webauthn_credentials WHERE (? AND type != ?) OR id = ?",
        everything,
        security_keys.PASSKEY,
        authenticator_id,
    )
    for row in found:
        storage.exec("DELETE FROM authenticators WHERE id = ?", row["id"])
    for row in keys:
        storage.exec("DELETE FROM webauthn_credentials WHERE id = ?", row["id"])
    return len(found) + len(keys)


def authentication_methods(storage: ObjectStorage) -> list[dict[str, Any]]:
    """Auth0 `GET /users/{id}/authentication-methods` (the MFA ones and passkeys): `totp`,
    `recovery-code`, `webauthn-roaming`, `webauthn-platform`, `passkey`."""
    keys = [
        {**row, "created_at": iso_now(row["created_at"])}
        for row in security_keys.authentication_methods(storage)
    ]
    for key in keys:
        key["last_auth_at"] = iso_now(key["last_auth_at"]) if key["last_auth_at"] else None
    return keys + [
        {
            "id": row["id"],
            "type": "totp" if row["type"] == OTP else row["type"],
            "confirmed": bool(row["active"]),
            "created_at": iso_now(row["created_at"]),
        }
        for row in _all(storage)
    ]
