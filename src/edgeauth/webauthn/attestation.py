"""Attestation statements (WebAuthn L2 §8): `none` (§8.7) and `packed` (§8.2), self attestation
or with a certificate. edgeauth asks for no attestation and keeps no trust anchors, so a packed
certificate's signature is checked (the statement is genuine) but its chain is not (the maker is
not vouched for); other formats are refused."""

from __future__ import annotations

from typing import Any

from edgeauth.ports import Crypto
from edgeauth.webauthn import cose, der
from edgeauth.webauthn.authenticator_data import AuthenticatorData
from edgeauth.webauthn.errors import WebAuthnError

FORMATS = ("none", "packed")


async def signed_by(crypto: Crypto, alg: int, jwk: dict[str, str], data: bytes, signature: bytes) -> bool:
    """A WebAuthn signature (ES256 in DER, RS256 as is) over `data` by the key."""
    if alg == cose.ES256:
        if jwk.get("kty") != "EC":
            return False
        signature = der.ecdsa_to_raw(signature)
    elif alg != cose.RS256 or jwk.get("kty") != "RSA":
        return False
    return await crypto.verify_signature(alg, jwk, data, signature)


async def _packed(
    crypto: Crypto,
    statement: dict[str, Any],
    data: AuthenticatorData,
    client_hash: bytes,
    alg: int,
    jwk: dict[str, str],
) -> None:
    """§8.2: `sig` over authenticatorData || clientDataHash by the certificate's key (`x5c`) or,
    self attestation, by the credential's own key with the credential's algorithm."""
    signature = statement.get("sig")
    claimed = statement.get("alg")
    if not isinstance(signature, bytes) or claimed not in cose.ALGORITHMS:
        raise WebAuthnError("packed attestation without sig or alg")
    chain = statement.get("x5c")
    if chain is None:
        if claimed != alg:
            raise WebAuthnError("self attestation with another algorithm than the credential's")
        key = jwk
    elif isinstance(chain, list) and chain and isinstance(chain[0], bytes):
        key = der.certificate_public_key(chain[0])
    else:
        raise WebAuthnError("packed attestation with a malformed x5c")
    if not await signed_by(crypto, claimed, key, data.raw + client_hash, signature):
        raise WebAuthnError("the attestation signature does not verify")


async def verify(
    crypto: Crypto,
    fmt: object,
    statement: object,
    data: AuthenticatorData,
    client_hash: bytes,
    alg: int,
    jwk: dict[str, str],
) -> None:
    """§7.1 steps 21-24 for the formats edgeauth knows."""
    if not isinstance(statement, dict):
        raise WebAuthnError("attestation statement is not a map")
    if fmt == "none":
        if statement:
            raise WebAuthnError("a none attestation with a statement")
        return
    if fmt == "packed":
        await _packed(crypto, statement, data, client_hash, alg, jwk)
        return
    raise WebAuthnError(f"attestation format {fmt!r} is not supported")
