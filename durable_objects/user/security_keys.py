"""WebAuthn credentials in the user's object: security keys (`webauthn-roaming`), the device's
own authenticator (`webauthn-platform`) as second factors, and passkeys (`passkey`) as a first
factor (Auth0's names for them). The public key, its algorithm, the signature counter; nothing
secret is stored. The ceremonies' checks are `edgeauth.webauthn.ceremonies`; here the credential
is looked up, its counter moved on and the challenge spent, with nothing awaited in between."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from edgeauth.encoding import b64url_encode
from edgeauth.ports import Crypto, ObjectStorage
from edgeauth.webauthn import ceremonies
from edgeauth.webauthn.client_data import Expected
from edgeauth.webauthn.errors import WebAuthnError
from edgeauth.webauthn.options import PASSKEY as PASSKEY
from edgeauth.webauthn.options import PLATFORM, ROAMING

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS webauthn_credentials (
        id            TEXT PRIMARY KEY,
        type          TEXT NOT NULL,
        credential_id TEXT NOT NULL UNIQUE,
        public_key    TEXT NOT NULL,
        alg           INTEGER NOT NULL,
        sign_count    INTEGER NOT NULL,
        transports    TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        last_used_at  INTEGER
    )""",
    # Challenges answered, kept until they expire: an answer is good once.
    "CREATE TABLE IF NOT EXISTS webauthn_spent (challenge TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
)
SECOND_FACTORS = (ROAMING, PLATFORM)
SPENT_FOR = 600  # a challenge's lifetime (edgeauth.webauthn.challenges)
TRANSPORTS = ("usb", "nfc", "ble", "hybrid", "internal", "smart-card")


def user_entity(object_id: str, user: dict[str, Any]) -> dict[str, str]:
    """`PublicKeyCredentialUserEntity` (§5.4.3): the handle is this object's id (32 bytes, no
    personal data), so a passkey's `userHandle` leads back here; the names are what the
    authenticator shows."""
    name = user.get("email") or user["user_id"]
    return {
        "id": b64url_encode(bytes.fromhex(object_id)),
        "name": name,
        "displayName": user.get("name") or name,
    }


def rows(storage: ObjectStorage, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    return storage.exec(
        "SELECT * FROM webauthn_credentials WHERE type IN (SELECT value FROM json_each(?)) ORDER BY rowid",
        json.dumps(kinds),
    )


def descriptors(storage: ObjectStorage, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """`PublicKeyCredentialDescriptor`s (§5.8.3) for `allowCredentials` / `excludeCredentials`."""
    found = []
    for row in rows(storage, kinds):
        descriptor: dict[str, Any] = {"type": "public-key", "id": row["credential_id"]}
        if row["transports"]:
            descriptor["transports"] = row["transports"].split(",")
        found.append(descriptor)
    return found


def _spend(storage: ObjectStorage, challenge: str, now: int) -> bool:
    """Record an answered challenge; False when it was answered before."""
    storage.exec("DELETE FROM webauthn_spent WHERE expires_at <= ?", now)
    if storage.exec("SELECT 1 FROM webauthn_spent WHERE challenge = ?", challenge):
        return False
    storage.exec(
        "INSERT INTO webauthn_spent (challenge, expires_at) VALUES (?, ?)", challenge, now + SPENT_FOR
    )
    return True


def _transports(value: object) -> str:
    listed = value if isinstance(value, list) else []
    return ",".join(name for name in listed if name in TRANSPORTS)


async def register(
    storage: ObjectStorage,
    crypto: Crypto,
    kind: str,
    credential: dict[str, Any],
    expected: Expected,
    now: int,
    allowed: Callable[[], bool],
) -> str:
    """A new credential of `kind` from the browser's `PublicKeyCredential` (JSON form); its
    authenticator id. `WebAuthnError` when a check fails, the challenge was answered before, the
    credential is registered already, or `allowed` (the caller's own condition, asked again after
    the signature check, with the writes) says no."""
    response = credential.get("response")
    if not isinstance(response, dict):
        raise WebAuthnError("no response")
    new = await ceremonies.register(crypto, response, expected)
    if not allowed():
        raise WebAuthnError("no longer allowed")
    if not _spend(storage, expected.challenge, now):
        raise WebAuthnError("the challenge was answered before")
    if storage.exec("SELECT 1 FROM webauthn_credentials WHERE credential_id = ?", new.credential_id):
        raise WebAuthnError("this credential is registered already")
    authenticator_id = f"{kind}|dev_{secrets.token_urlsafe(12)}"
    storage.exec(
        "INSERT INTO webauthn_credentials (id, type, credential_id, public_key, alg, sign_count, transports, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        authenticator_id,
        kind,
        new.credential_id,
        json.dumps(new.public_key),
        new.alg,
        new.sign_count,
        _transports(response.get("transports")),
        now,
    )
    return authenticator_id


async def authenticate(
    storage: ObjectStorage,
    crypto: Crypto,
    kinds: tuple[str, ...],
    credential: dict[str, Any],
    expected: Expected,
    now: int,
) -> dict[str, Any]:
    """The credential of `kinds` that signed this assertion (its row); its counter moved on and
    the challenge spent. The signature is checked first; the counter and the challenge are then
    checked again and written with nothing awaited in between, so of two answers one wins."""
    response = credential.get("response")
    credential_id = credential.get("id")
    found = [row for row in rows(storage, kinds) if row["credential_id"] == credential_id]
    if not found or not isinstance(response, dict):
        raise WebAuthnError("not a credential of this user")
    row = found[0]
    asserted = await ceremonies.authenticate(
        crypto, response, expected, json.loads(row["public_key"]), row["alg"]
    )
    current = storage.exec("SELECT sign_count FROM webauthn_credentials WHERE id = ?", row["id"])
    if not current or ceremonies.cloned(asserted.sign_count, current[0]["sign_count"]):
        raise WebAuthnError("the signature counter did not grow: a cloned authenticator")
    if not _spend(storage, expected.challenge, now):
        raise WebAuthnError("the challenge was answered before")
    storage.exec(
        "UPDATE webauthn_credentials SET sign_count = ?, last_used_at = ? WHERE id = ?",
        asserted.sign_count,
        now,
        row["id"],
    )
    return row


def authentication_methods(storage: ObjectStorage) -> list[dict[str, Any]]:
    """Auth0's `authentication-methods` entries of the WebAuthn kinds."""
    return [
        {
            "id": row["id"],
            "type": row["type"],
            "confirmed": True,
            "key_id": row["credential_id"],
            "created_at": row["created_at"],
            "last_auth_at": row["last_used_at"],
        }
        for row in rows(storage, (*SECOND_FACTORS, PASSKEY))
    ]
