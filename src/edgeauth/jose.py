"""Compact JWS: signing through the async `Crypto` port, verification in plain Python (RFC 7515).

PyJWT signs synchronously with `cryptography`; on Workers the signature comes from WebCrypto
(a promise), so the compact serialization is assembled here and only the signature is delegated.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from edgeauth.encoding import b64url_decode, b64url_encode, b64url_to_int, compact_json, loads_bounded
from edgeauth.keys.keyset import SigningKey
from edgeauth.platform import Platform


def json_segment(value: dict[str, Any]) -> str:
    """`base64url(UTF8(JSON))` of a JOSE header or a claims set (RFC 7515 §3)."""
    return b64url_encode(compact_json(value))


@lru_cache(maxsize=64)
def rs256_header(kid: str, typ: str = "JWT") -> str:
    """The encoded JOSE header of an RS256 JWT signed by `kid` (RFC 7515 §4): the same segment
    for every token of that key and type, encoded once."""
    return json_segment({"alg": "RS256", "typ": typ, "kid": kid})


def signing_input(header: str, claims: dict[str, Any]) -> str:
    """The JWS Signing Input, `base64url(header) . base64url(payload)` (RFC 7515 §5.1), from the
    encoded header."""
    return f"{header}.{json_segment(claims)}"


async def sign_jwt(platform: Platform, key: SigningKey, claims: dict[str, Any], typ: str = "JWT") -> str:
    """An RS256 JWT with `kid` in its header (docs/auth0-contract.md, "Tokens and keys")."""
    to_sign = signing_input(rs256_header(key.kid, typ), claims)
    signature = await platform.crypto.sign_rs256(await key.private_jwk(platform), to_sign.encode("ascii"))
    return f"{to_sign}.{b64url_encode(signature)}"


def sign_hs256(secret: bytes, claims: dict[str, Any], typ: str = "JWT") -> str:
    """An HS256 JWT (RFC 7518 §3.2), as Auth0 signs an API's tokens when its `signing_alg` is HS256:
    no `kid`, the API's secret is the key."""
    to_sign = signing_input(json_segment({"alg": "HS256", "typ": typ}), claims)
    signature = hmac.new(secret, to_sign.encode("ascii"), hashlib.sha256).digest()
    return f"{to_sign}.{b64url_encode(signature)}"


# DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def rs256_verify(public_jwk: dict[str, str], signing_input: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 §8.2.2), in plain Python.

    Verifying needs only the public key and a modular exponentiation, so the token path needs
    neither `cryptography` nor a WebCrypto round trip; the encoded message is rebuilt and compared
    whole, as §8.2.2 step 4 prescribes (no parsing of the padding).
    """
    n, e = b64url_to_int(public_jwk["n"]), b64url_to_int(public_jwk["e"])
    size = (n.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    encoded = pow(s, e, n).to_bytes(size, "big")
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    return hmac.compare_digest(encoded, expected)


def decode_verified(token: str, keys: list[dict[str, str]]) -> dict[str, Any] | None:
    """The claims of a compact RS256 JWS signed by one of `keys` (by `kid`), else `None`.

    Only the signature is checked here; callers check `iss`, `aud` and `exp`.
    """
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = loads_bounded(b64url_decode(header_b64))
        key = next(k for k in keys if k["kid"] == header.get("kid"))
        if header.get("alg") != "RS256":
            return None
        signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
        if not rs256_verify(key, signing_input, b64url_decode(signature_b64)):
            return None
        claims = loads_bounded(b64url_decode(payload_b64))
    except (ValueError, StopIteration, UnicodeError, TypeError, AttributeError, RecursionError):
        return None
    return claims if isinstance(claims, dict) else None


def unverified_json(token: str, segment: int) -> dict[str, Any]:
    """The JOSE header (0) or the claims (1) of a compact JWS before any verification, only to
    choose the issuer and key to verify with (RFC 7515 §5.2); `{}` when malformed."""
    try:
        value = loads_bounded(b64url_decode(token.split(".")[segment]))
    except (ValueError, IndexError, UnicodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
