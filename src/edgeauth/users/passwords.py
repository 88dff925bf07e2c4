"""Password hashes: PBKDF2-HMAC-SHA256 as a self-describing string (docs/architecture.md, "Keys").

Format: `$pbkdf2-sha256$i=<iterations>$<salt b64url>$<hash b64url>`. 100 000 iterations is the most
WebCrypto allows on Workers; the same string verifies on both runtimes.
"""

from __future__ import annotations

import hmac
import secrets

from edgeauth.encoding import b64url_decode, b64url_encode
from edgeauth.ports import Crypto

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
    digest = await crypto.pbkdf2_sha256(password.encode(), salt, iterations)
    return f"${_SCHEME}$i={iterations}${b64url_encode(salt)}${b64url_encode(digest)}"


def needs_rehash(encoded: str) -> bool:
    """A hash weaker than the current policy is upgraded at the next successful login."""
    return not encoded.startswith(f"${_SCHEME}$i={ITERATIONS}$")


# A fixed salt for `verify_dummy` (not a secret: the dummy hash verifies nothing).
_DUMMY_SALT = b"edgeauth-dummy-salt"


async def verify_dummy(crypto: Crypto, password: str) -> bool:
    """As long as a real check, for an account with no password, so timing tells nothing."""
    await crypto.pbkdf2_sha256(password.encode(), _DUMMY_SALT, ITERATIONS)
    return False


async def verify_password(crypto: Crypto, password: str, encoded: str) -> bool:
    """Constant-time comparison of the derived key; any malformed hash verifies nothing."""
    try:
        _, scheme, params, salt, digest = encoded.split("$")
        iterations = int(params.removeprefix("i="))
        if scheme != _SCHEME or not 0 < iterations <= ITERATIONS:
            return False
        derived = await crypto.pbkdf2_sha256(password.encode(), b64url_decode(salt), iterations)
    except ValueError:
        return False
    return hmac.compare_digest(derived, b64url_decode(digest))
