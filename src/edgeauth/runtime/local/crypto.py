"""The `Crypto` port on CPython: `cryptography` for RSA and AES-GCM, hashlib for PBKDF2, pyca
`bcrypt` and `argon2-cffi` for the hashes of imported users.

The only module of edgeauth that imports `cryptography`; the Workers build uses WebCrypto instead
(`edgeauth.runtime.cloudflare.crypto`) and both produce interchangeable keys, tokens and seals.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from functools import lru_cache

import argon2
import bcrypt
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from edgeauth.encoding import b64url_decode, b64url_encode, b64url_to_int, int_to_b64url

_IV_BYTES = 12
# COSE algorithm numbers (RFC 9053 §2.1, RFC 8812 §2).
ES256 = -7
RS256 = -257
_ARGON2 = argon2.PasswordHasher()


_PRIVATE_MEMBERS = ("n", "e", "d", "p", "q", "dp", "dq", "qi")


@lru_cache(maxsize=64)
def _private_key(members: tuple[str, ...]) -> rsa.RSAPrivateKey:
    """Loading an RSA key checks it (slow); keep the few live signing keys loaded."""
    n, e, d, p, q, dp, dq, qi = (b64url_to_int(value) for value in members)
    numbers = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, rsa.RSAPublicNumbers(e, n))
    return numbers.private_key()


class CPythonCrypto:
    """`edgeauth.ports.Crypto` for the local runtime and the CLI."""

    def __init__(self, secret_key: bytes) -> None:
        if len(secret_key) != 32:
            raise ValueError("the secret key must be 32 bytes (AES-256)")
        self._aead = AESGCM(secret_key)

    async def generate_rs256_key(self) -> dict[str, str]:
        """RSA-2048, e = 65537, exported as a private JWK (RFC 7518 §6.3.2)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = key.private_numbers()
        public = numbers.public_numbers
        return {
            "kty": "RSA",
            "n": int_to_b64url(public.n),
            "e": int_to_b64url(public.e),
            "d": int_to_b64url(numbers.d),
            "p": int_to_b64url(numbers.p),
            "q": int_to_b64url(numbers.q),
            "dp": int_to_b64url(numbers.dmp1),
            "dq": int_to_b64url(numbers.dmq1),
            "qi": int_to_b64url(numbers.iqmp),
        }

    async def sign_rs256(self, private_jwk: dict[str, str], data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3)."""
        key = _private_key(tuple(private_jwk[name] for name in _PRIVATE_MEMBERS))
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    async def sign_es256(self, private_key_pem: str, data: bytes) -> bytes:
        """ECDSA P-256 / SHA-256; the DER signature re-encoded as JWS `r || s` (RFC 7518 §3.4)."""
        try:
            key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise ValueError("not a PKCS#8 PEM private key") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("not a P-256 private key")
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    async def verify_signature(
        self, alg: int, public_jwk: dict[str, str], data: bytes, signature: bytes
    ) -> bool:
        """ES256 (`r || s` re-encoded as DER) or RS256 with a public JWK (WebAuthn credentials)."""
        try:
            if alg == ES256 and public_jwk.get("crv") == "P-256" and len(signature) == 64:
                point = ec.EllipticCurvePublicNumbers(
                    b64url_to_int(public_jwk["x"]), b64url_to_int(public_jwk["y"]), ec.SECP256R1()
                )
                der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
                point.public_key().verify(der, data, ec.ECDSA(hashes.SHA256()))
                return True
            if alg == RS256 and public_jwk.get("kty") == "RSA":
                numbers = rsa.RSAPublicNumbers(b64url_to_int(public_jwk["e"]), b64url_to_int(public_jwk["n"]))
                numbers.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
                return True
        except (InvalidSignature, ValueError, KeyError):
            pass
        return False

    async def seal(self, plaintext: bytes) -> str:
        """AES-256-GCM, random 96-bit IV prefixed, no associated data, base64url."""
        iv = os.urandom(_IV_BYTES)
        return b64url_encode(iv + self._aead.encrypt(iv, plaintext, None))

    async def unseal(self, sealed: str) -> bytes:
        try:
            raw = b64url_decode(sealed)
            return self._aead.decrypt(raw[:_IV_BYTES], raw[_IV_BYTES:], None)
        except (InvalidTag, ValueError) as exc:
            raise ValueError("not sealed by this deployment's key") from exc

    async def pbkdf2(
        self, password: bytes, salt: bytes, iterations: int, *, digest: str = "sha256", length: int = 32
    ) -> bytes:
        """PBKDF2-HMAC (RFC 8018 §5.2) off the event loop: hashlib releases the GIL, so other
        requests go on meanwhile (WebCrypto is async on Workers too)."""
        return await asyncio.to_thread(hashlib.pbkdf2_hmac, digest, password, salt, iterations, length)

    async def bcrypt_matches(self, password: bytes, hashed: bytes) -> bool:
        """pyca `bcrypt`, in a thread (it releases the GIL)."""
        try:
            return await asyncio.to_thread(bcrypt.checkpw, password, hashed)
        except ValueError:
            return False

    async def argon2_matches(self, password: bytes, encoded: str) -> bool:
        """`argon2-cffi`, in a thread."""
        try:
            return await asyncio.to_thread(_ARGON2.verify, encoded, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False


def new_secret_key() -> bytes:
    """A fresh deployment key (what `EDGEAUTH_SECRET_KEY` holds, base64url-encoded)."""
    return secrets.token_bytes(32)
