"""Authenticator data (WebAuthn L2 §6.1): the RP ID hash, the flags, the signature counter and,
at registration, the attested credential (§6.5.1)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from edgeauth.webauthn.errors import WebAuthnError

USER_PRESENT = 0x01
USER_VERIFIED = 0x04
BACKUP_ELIGIBLE = 0x08
BACKED_UP = 0x10
ATTESTED = 0x40
EXTENSIONS = 0x80


@dataclass(frozen=True)
class AttestedCredential:
    aaguid: bytes
    credential_id: bytes
    public_key: object  # the decoded COSE_Key


@dataclass(frozen=True)
class AuthenticatorData:
    raw: bytes
    rp_id_hash: bytes
    flags: int
    sign_count: int
    credential: AttestedCredential | None

    @property
    def user_present(self) -> bool:
        return bool(self.flags & USER_PRESENT)

    @property
    def user_verified(self) -> bool:
        return bool(self.flags & USER_VERIFIED)

    @property
    def backup_eligible(self) -> bool:
        return bool(self.flags & BACKUP_ELIGIBLE)


def _decode_one(data: bytes, offset: int) -> tuple[object, int]:
    """One CBOR item starting at `offset`, and the offset after it."""
    import cbor2  # on first use: logins without WebAuthn never load it (cold starts)

    stream = io.BytesIO(data)
    stream.seek(offset)
    try:
        item = cbor2.CBORDecoder(stream).decode()
    except (cbor2.CBORDecodeError, ValueError, EOFError) as exc:
        raise WebAuthnError("malformed CBOR in authenticator data") from exc
    return item, stream.tell()


def parse(raw: bytes) -> AuthenticatorData:
    """`rpIdHash[32] flags[1] signCount[4]` then, with AT, `aaguid[16] L[2] credentialId[L]
    credentialPublicKey`, then, with ED, the extensions map; nothing may follow."""
    if len(raw) < 37:
        raise WebAuthnError("authenticator data too short")
    flags = raw[32]
    offset = 37
    credential = None
    if flags & ATTESTED:
        if len(raw) < offset + 18:
            raise WebAuthnError("attested credential data too short")
        aaguid = raw[offset : offset + 16]
        length = int.from_bytes(raw[offset + 16 : offset + 18], "big")
        offset += 18
        if length > 1023 or len(raw) < offset + length:
            raise WebAuthnError("bad credential id length")
        credential_id = raw[offset : offset + length]
        public_key, offset = _decode_one(raw, offset + length)
        credential = AttestedCredential(aaguid, credential_id, public_key)
    if flags & EXTENSIONS:
        _, offset = _decode_one(raw, offset)
    if offset != len(raw):
        raise WebAuthnError("trailing bytes after authenticator data")
    return AuthenticatorData(raw, raw[:32], flags, int.from_bytes(raw[33:37], "big"), credential)
