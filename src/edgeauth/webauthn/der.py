"""The few DER structures WebAuthn hands a relying party (ITU-T X.690): an ECDSA signature
(RFC 3279 §2.2.3) and the subject public key of a packed attestation's certificate (RFC 5280
§4.1). A reader of tag-length-value items, not a general ASN.1 library."""

from __future__ import annotations

from edgeauth.encoding import b64url_encode, int_to_b64url
from edgeauth.webauthn.errors import WebAuthnError

SEQUENCE = 0x30
INTEGER = 0x02
BIT_STRING = 0x03
OID = 0x06
CONTEXT_0 = 0xA0
# id-ecPublicKey with prime256v1, and rsaEncryption (RFC 5480 §2.1.1, RFC 3279 §2.3.1).
EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")
P256 = bytes.fromhex("2a8648ce3d030107")
RSA_ENCRYPTION = bytes.fromhex("2a864886f70d010101")


def read(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """The item at `offset`: its tag, its contents and the offset after it (definite lengths)."""
    if offset + 2 > len(data):
        raise WebAuthnError("truncated DER")
    tag, first = data[offset], data[offset + 1]
    offset += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or offset + count > len(data):
            raise WebAuthnError("bad DER length")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    if offset + length > len(data):
        raise WebAuthnError("truncated DER")
    return tag, data[offset : offset + length], offset + length


def items(contents: bytes) -> list[tuple[int, bytes]]:
    """The items inside a constructed item's contents."""
    found = []
    offset = 0
    while offset < len(contents):
        tag, value, offset = read(contents, offset)
        found.append((tag, value))
    return found


def _expect(item: tuple[int, bytes], tag: int) -> bytes:
    if item[0] != tag:
        raise WebAuthnError(f"DER tag {item[0]:#x} where {tag:#x} was expected")
    return item[1]


def ecdsa_to_raw(signature: bytes, size: int = 32) -> bytes:
    """`Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` as the `r || s` WebCrypto verifies."""
    tag, contents, end = read(signature)
    parts = items(contents) if tag == SEQUENCE and end == len(signature) else []
    if len(parts) != 2:
        raise WebAuthnError("not an ECDSA signature")
    raw = b""
    for part in parts:
        number = int.from_bytes(_expect(part, INTEGER), "big")
        if number.bit_length() > size * 8:
            raise WebAuthnError("not an ECDSA signature")
        raw += number.to_bytes(size, "big")
    return raw


def certificate_public_key(certificate: bytes) -> dict[str, str]:
    """The subject public key of an X.509 certificate as a JWK (P-256 or RSA)."""
    tbs = items(_expect(items(_expect(read(certificate)[:2], SEQUENCE))[0], SEQUENCE))
    fields = tbs[1:] if tbs and tbs[0][0] == CONTEXT_0 else tbs  # the optional [0] version
    if len(fields) < 6:
        raise WebAuthnError("not a certificate")
    return public_key_info(_expect(fields[5], SEQUENCE))


def public_key_info(contents: bytes) -> dict[str, str]:
    """`SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7) as a JWK."""
    parts = items(contents)
    if len(parts) != 2:
        raise WebAuthnError("not a public key")
    algorithm = items(_expect(parts[0], SEQUENCE))
    key = _expect(parts[1], BIT_STRING)[1:]  # the unused-bits octet
    kind = _expect(algorithm[0], OID)
    if kind == EC_PUBLIC_KEY and len(algorithm) == 2 and algorithm[1] == (OID, P256):
        if len(key) != 65 or key[0] != 4:
            raise WebAuthnError("not an uncompressed P-256 point")
        return {"kty": "EC", "crv": "P-256", "x": b64url_encode(key[1:33]), "y": b64url_encode(key[33:])}
    if kind == RSA_ENCRYPTION:
        numbers = items(_expect(read(key)[:2], SEQUENCE))
        n, e = (int.from_bytes(_expect(part, INTEGER), "big") for part in numbers[:2])
        return {"kty": "RSA", "n": int_to_b64url(n), "e": int_to_b64url(e)}
    raise WebAuthnError("a certificate key that is neither P-256 nor RSA")
