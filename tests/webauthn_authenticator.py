"""A software WebAuthn authenticator for HTTP-level tests: what a security key, a phone or a
platform authenticator returns to the browser, built here from the W3C WebAuthn Level 2 text with
pyca `cryptography` and `cbor2` (not edgeauth's code), in the JSON form the hosted page's script
posts. It can also misbehave: another origin, no user verification, a counter that stands still."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

ES256, RS256 = -7, -257


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _self_signed(key: ec.EllipticCurvePrivateKey) -> bytes:
    """A packed attestation certificate (§8.2.1's subject fields), signed by its own key."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Keys"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Test Key"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


@dataclass
class SoftAuthenticator:
    """One credential. `attestation`: "none", "packed-self" or "packed-x5c"."""

    alg: int = ES256
    attestation: str = "none"
    user_verifying: bool = True
    counter_step: int = 1
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    sign_count: int = 0
    user_handle: bytes = b""

    def __post_init__(self) -> None:
        if self.alg == ES256:
            self.key: Any = ec.generate_private_key(ec.SECP256R1())
        else:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def _sign(self, key: Any, data: bytes, alg: int) -> bytes:
        if alg == ES256:
            return bytes(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return bytes(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        if self.alg == ES256:
            return cbor2.dumps(
                {1: 2, 3: ES256, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
            )
        return cbor2.dumps(
            {1: 3, 3: RS256, -1: numbers.n.to_bytes(256, "big"), -2: numbers.e.to_bytes(3, "big")}
        )

    def _authenticator_data(self, rp_id: str, attested: bool, verified: bool) -> bytes:
        self.sign_count += self.counter_step
        flags = 0x01 | (0x04 if verified else 0) | (0x40 if attested else 0)
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + self.sign_count.to_bytes(4, "big")
        if attested:
            data += (
                bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self.cose_key()
            )
        return data

    @staticmethod
    def client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def create(self, options: dict[str, Any], origin: str, *, rp_id: str | None = None) -> dict[str, Any]:
        """`navigator.credentials.create()` with these options, as the page's script posts it."""
        client_data = self.client_data("webauthn.create", options["challenge"], origin)
        self.user_handle = unb64(options["user"]["id"])
        data = self._authenticator_data(rp_id or options["rp"]["id"], True, self.user_verifying)
        signed = data + hashlib.sha256(client_data).digest()
        if self.attestation == "none":
            fmt, statement = "none", {}
        elif self.attestation == "packed-self":
            fmt, statement = "packed", {"alg": self.alg, "sig": self._sign(self.key, signed, self.alg)}
        else:
            maker = ec.generate_private_key(ec.SECP256R1())
            statement = {"alg": ES256, "sig": self._sign(maker, signed, ES256), "x5c": [_self_signed(maker)]}
            fmt = "packed"
        attestation = cbor2.dumps({"fmt": fmt, "attStmt": statement, "authData": data})
        return {
            "id": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": ["usb"],
            },
        }

    def get(self, options: dict[str, Any], origin: str, *, verified: bool | None = None) -> dict[str, Any]:
        """`navigator.credentials.get()` with these options."""
        client_data = self.client_data("webauthn.get", options["challenge"], origin)
        uv = self.user_verifying if verified is None else verified
        data = self._authenticator_data(options["rpId"], False, uv)
        signature = self._sign(self.key, data + hashlib.sha256(client_data).digest(), self.alg)
        return {
            "id": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(data),
                "signature": b64(signature),
                "userHandle": b64(self.user_handle) if self.user_handle else None,
            },
        }
