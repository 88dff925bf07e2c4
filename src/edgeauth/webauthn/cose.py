"""COSE public keys (RFC 9052 §7, RFC 9053 §2.1 and §7.1, RFC 8230 §4) as JWKs, for the two
algorithms edgeauth asks authenticators for: ES256 (-7) and RS256 (-257)."""

from __future__ import annotations

from typing import Any

from edgeauth.encoding import b64url_encode
from edgeauth.webauthn.errors import WebAuthnError

ES256 = -7
RS256 = -257
ALGORITHMS = (ES256, RS256)
# COSE_Key labels: kty 1, alg 3; EC2 crv -1, x -2, y -3 (kty 2, crv P-256 1); RSA n -1, e -2 (kty 3).
_KTY, _ALG = 1, 3
_EC2, _RSA, _P256 = 2, 3, 1


def _bytes(key: dict[Any, Any], label: int, size: int | None = None) -> bytes:
    value = key.get(label)
    if not isinstance(value, bytes) or (size is not None and len(value) != size):
        raise WebAuthnError(f"COSE key member {label} missing or malformed")
    return value


def to_jwk(key: object) -> tuple[int, dict[str, str]]:
    """The key's algorithm and its public JWK; refuses other algorithms and key types."""
    if not isinstance(key, dict):
        raise WebAuthnError("the credential public key is not a COSE key")
    alg = key.get(_ALG)
    if alg == ES256 and key.get(_KTY) == _EC2 and key.get(-1) == _P256:
        x, y = _bytes(key, -2, 32), _bytes(key, -3, 32)
        return alg, {"kty": "EC", "crv": "P-256", "x": b64url_encode(x), "y": b64url_encode(y)}
    if alg == RS256 and key.get(_KTY) == _RSA:
        n, e = _bytes(key, -1).lstrip(b"\0"), _bytes(key, -2).lstrip(b"\0")
        if len(n) < 256 or not e:
            raise WebAuthnError("an RSA key under 2048 bits")
        return alg, {"kty": "RSA", "n": b64url_encode(n), "e": b64url_encode(e)}
    raise WebAuthnError(f"a credential key of algorithm {alg!r}, not ES256 or RS256")
