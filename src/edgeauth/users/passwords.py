"""Password hashes: PBKDF2-HMAC-SHA256 as a self-describing string (docs/architecture.md, "Keys").

Format: `$pbkdf2-sha256$i=<iterations>$<salt b64url>$<hash b64url>`. 100 000 iterations is the most
WebCrypto allows on Workers; the same string verifies on both runtimes. Hashes imported from
elsewhere (`edgeauth.users.imported_hashes`) verify too, and are replaced at the first login.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from typing import Any

from edgeauth.encoding import b64url_decode, b64url_encode
from edgeauth.ports import Crypto
from edgeauth.users.imported_hashes import IMPORTED, stored_custom, verify_imported

ITERATIONS = 100_000
MIN_LENGTH = 8
_SCHEME = "pbkdf2-sha256"


class PasswordPolicyError(ValueError):
    """The password does not meet the tenant's policy (Auth0 `PasswordStrengthError`)."""


def check_policy(password: str, min_length: int = MIN_LENGTH) -> None:
    if len(password) < min_length:
        raise PasswordPolicyError(f"Password is too weak: use at least {min_length} characters.")


async def hash_password(crypto: Crypto, password: str, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = await crypto.pbkdf2(password.encode(), salt, iterations)
    return f"${_SCHEME}$i={iterations}${b64url_encode(salt)}${b64url_encode(digest)}"


def needs_rehash(encoded: str) -> bool:
    """A hash weaker than the current policy, or imported, is upgraded at the next successful login."""
    return not encoded.startswith(f"${_SCHEME}$i={ITERATIONS}$")


def exported(encoded: str) -> dict[str, Any]:
    """The stored hash as Auth0's bulk import takes it back (`custom_password_hash`): ours as a PHC
    pbkdf2 string (standard base64 without padding), an imported one as it came."""
    if encoded.startswith(IMPORTED):
        return stored_custom(encoded)
    _, scheme, params, salt, digest = encoded.split("$")
    phc = f"${scheme}${params},l={len(b64url_decode(digest))}${_phc_b64(salt)}${_phc_b64(digest)}"
    return {"algorithm": "pbkdf2", "hash": {"value": phc, "encoding": "utf8"}}


def _phc_b64(b64url: str) -> str:
    """PHC's B64: the standard alphabet, no padding."""
    return base64.b64encode(b64url_decode(b64url)).decode().rstrip("=")


# A fixed salt for `verify_dummy` (not a secret: the dummy hash verifies nothing).
_DUMMY_SALT = b"edgeauth-dummy-salt"


async def verify_dummy(crypto: Crypto, password: str) -> bool:
    """As long as a real check, for an account with no password, so timing tells nothing."""
    await crypto.pbkdf2(password.encode(), _DUMMY_SALT, ITERATIONS)
    return False


async def verify_password(crypto: Crypto, password: str, encoded: str) -> bool:
    """Constant-time comparison of the derived key; any malformed hash verifies nothing."""
    if encoded.startswith(IMPORTED):
        return await verify_imported(crypto, password, encoded)
    try:
        _, scheme, params, salt, digest = encoded.split("$")
        iterations = int(params.removeprefix("i="))
        if scheme != _SCHEME or not 0 < iterations <= ITERATIONS:
            return False
        derived = await crypto.pbkdf2(password.encode(), b64url_decode(salt), iterations)
    except ValueError:
        return False
    return hmac.compare_digest(derived, b64url_decode(digest))
