"""The relying party's two ceremonies: registering a new credential (WebAuthn L2 §7.1) and
verifying an authentication assertion (§7.2). Inputs are the browser's base64url fields."""

from __future__ import annotations

from dataclasses import dataclass

from edgeauth.encoding import b64url_decode, b64url_encode
from edgeauth.ports import Crypto
from edgeauth.webauthn import attestation, authenticator_data, client_data, cose
from edgeauth.webauthn.authenticator_data import AuthenticatorData
from edgeauth.webauthn.client_data import Expected
from edgeauth.webauthn.errors import WebAuthnError


@dataclass(frozen=True)
class NewCredential:
    """What is kept of a registered credential (§7.1 step 26)."""

    credential_id: str
    public_key: dict[str, str]
    alg: int
    sign_count: int
    user_verified: bool
    backup_eligible: bool


def _decoded(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise WebAuthnError(f"{name} missing")
    try:
        return b64url_decode(value)
    except ValueError as exc:
        raise WebAuthnError(f"{name} is not base64url") from exc


def _check_authenticator(data: AuthenticatorData, expected: Expected) -> None:
    """§7.1 steps 13-15, §7.2 steps 15-17: our RP ID, the user present, and verified if asked."""
    if data.rp_id_hash != expected.rp_id_hash:
        raise WebAuthnError("authenticator data for another RP ID")
    if not data.user_present:
        raise WebAuthnError("the user was not present")
    if expected.user_verification and not data.user_verified:
        raise WebAuthnError("the user was not verified")


# What malformed input raises inside the parsers (CBOR's tags, DER's lengths, base64, JSON):
# every one of them is a refused answer, never a server error.
MALFORMED = (ValueError, IndexError, KeyError, TypeError, ArithmeticError, EOFError, RecursionError)


async def register(crypto: Crypto, response: dict[str, object], expected: Expected) -> NewCredential:
    """`response`: `clientDataJSON` and `attestationObject`, base64url (§5.2.1)."""
    try:
        return await _register(crypto, response, expected)
    except WebAuthnError:
        raise
    except MALFORMED as exc:
        raise WebAuthnError("a malformed registration") from exc


async def _register(crypto: Crypto, response: dict[str, object], expected: Expected) -> NewCredential:
    import cbor2  # on first use, as in `authenticator_data`

    client_hash = client_data.check(
        _decoded(response.get("clientDataJSON"), "clientDataJSON"), client_data.CREATE, expected
    )
    try:
        statement = cbor2.loads(_decoded(response.get("attestationObject"), "attestationObject"))
    except (cbor2.CBORDecodeError, ValueError, EOFError) as exc:
        raise WebAuthnError("attestationObject is not CBOR") from exc
    if not isinstance(statement, dict) or not isinstance(statement.get("authData"), bytes):
        raise WebAuthnError("attestationObject without authData")
    data = authenticator_data.parse(statement["authData"])
    _check_authenticator(data, expected)
    if data.credential is None:
        raise WebAuthnError("no attested credential")
    alg, jwk = cose.to_jwk(data.credential.public_key)
    await attestation.verify(
        crypto, statement.get("fmt"), statement.get("attStmt"), data, client_hash, alg, jwk
    )
    return NewCredential(
        credential_id=b64url_encode(data.credential.credential_id),
        public_key=jwk,
        alg=alg,
        sign_count=data.sign_count,
        user_verified=data.user_verified,
        backup_eligible=data.backup_eligible,
    )


@dataclass(frozen=True)
class Asserted:
    """A verified assertion: the authenticator's new counter and whether the user was verified."""

    sign_count: int
    user_verified: bool


async def authenticate(
    crypto: Crypto,
    response: dict[str, object],
    expected: Expected,
    public_key: dict[str, str],
    alg: int,
) -> Asserted:
    """`response`: `clientDataJSON`, `authenticatorData`, `signature` (base64url), checked with the
    stored key (the counter is the caller's: `cloned`)."""
    try:
        return await _authenticate(crypto, response, expected, public_key, alg)
    except WebAuthnError:
        raise
    except MALFORMED as exc:
        raise WebAuthnError("a malformed assertion") from exc


async def _authenticate(
    crypto: Crypto, response: dict[str, object], expected: Expected, public_key: dict[str, str], alg: int
) -> Asserted:
    client_hash = client_data.check(
        _decoded(response.get("clientDataJSON"), "clientDataJSON"), client_data.GET, expected
    )
    data = authenticator_data.parse(_decoded(response.get("authenticatorData"), "authenticatorData"))
    _check_authenticator(data, expected)
    signature = _decoded(response.get("signature"), "signature")
    if not await attestation.signed_by(crypto, alg, public_key, data.raw + client_hash, signature):
        raise WebAuthnError("the assertion signature does not verify")
    return Asserted(data.sign_count, data.user_verified)


def cloned(sign_count: int, stored: int) -> bool:
    """§7.2 step 21: a counter that did not grow (either being non-zero) means the credential's
    key was copied to another authenticator."""
    return bool(sign_count or stored) and sign_count <= stored
