"""The client data (WebAuthn L2 §5.8.1) and the relying party's checks of it (§7.1 steps 7-10,
§7.2 steps 11-14): the ceremony's type, our challenge, our origin, not from a cross-origin frame."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from edgeauth.encoding import MAX_JSON_DEPTH, b64url_decode, json_depth
from edgeauth.webauthn.errors import WebAuthnError

CREATE = "webauthn.create"
GET = "webauthn.get"


@dataclass(frozen=True)
class Expected:
    """What the relying party asked for: the challenge it issued, its origin and RP ID, whether the
    user must be verified (a PIN or biometric, not only presence)."""

    challenge: str
    origin: str
    rp_id: str
    user_verification: bool = False

    @property
    def rp_id_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()


def check(raw: bytes, ceremony: str, expected: Expected) -> bytes:
    """The checks; the client data's SHA-256, which the authenticator signed."""
    try:
        text = raw.decode("utf-8")
        data = json.loads(text) if json_depth(text) <= MAX_JSON_DEPTH else None
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebAuthnError("client data is not JSON") from exc
    if not isinstance(data, dict) or data.get("type") != ceremony:
        raise WebAuthnError(f"client data is not a {ceremony}")
    challenge = data.get("challenge")
    try:
        same = isinstance(challenge, str) and hmac.compare_digest(
            b64url_decode(challenge), b64url_decode(expected.challenge)
        )
    except ValueError:
        same = False
    if not same:
        raise WebAuthnError("not the challenge that was issued")
    if data.get("origin") != expected.origin:
        raise WebAuthnError(f"origin {data.get('origin')!r} is not {expected.origin!r}")
    if data.get("crossOrigin") is True:
        raise WebAuthnError("created in a cross-origin frame")
    return hashlib.sha256(raw).digest()
