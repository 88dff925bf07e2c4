"""Compact JWS signing through the async `Crypto` port (RFC 7515 §7.1).

PyJWT signs synchronously with `cryptography`; on Workers the signature comes from WebCrypto
(a promise), so the compact serialization is assembled here and only the signature is delegated.
"""

from __future__ import annotations

from typing import Any

from edgeauth.encoding import b64url_encode, compact_json
from edgeauth.keys.keyset import SigningKey
from edgeauth.platform import Platform


async def sign_jwt(platform: Platform, key: SigningKey, claims: dict[str, Any]) -> str:
    """An RS256 JWT with `kid` in its header (Auth0 contract B.0-2)."""
    header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{b64url_encode(compact_json(header))}.{b64url_encode(compact_json(claims))}"
    signature = await platform.crypto.sign_rs256(
        await key.private_jwk(platform), signing_input.encode("ascii")
    )
    return f"{signing_input}.{b64url_encode(signature)}"
