"""Password hashes brought from elsewhere: Auth0's `custom_password_hash` and bcrypt `password_hash`
(Auth0 bulk-import schema; docs/migrating-from-auth0.md, "Password hashes").

An imported hash is checked at the user's first login and then replaced by the tenant's own PBKDF2
(`edgeauth.users.passwords.needs_rehash`). It is stored as `$import$` + the normalized
`custom_password_hash` object, which is also exactly what an export gives back.

Supported: bcrypt (`$2a$`/`$2b$`/`$2y$`, optional salt), pbkdf2 (PHC string; sha1/sha256/sha384/
sha512), argon2 (PHC string), md5/sha1/sha256/sha512 (optional salt), hmac and ldap ({SHA}, {SSHA},
{SSHA256}, {SSHA384}, {SSHA512}, {MD5}, {SMD5}). md4 and scrypt are refused at import.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

from edgeauth.ports import Crypto

IMPORTED = "$import$"
DIGESTS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
PBKDF2_DIGESTS = ("sha1", "sha256", "sha384", "sha512")
PLAIN_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")
ALGORITHMS = (
    "argon2",
    "bcrypt",
    "hmac",
    "ldap",
    "md4",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "pbkdf2",
    "scrypt",
)
UNSUPPORTED = ("md4", "scrypt")
_BCRYPT = re.compile(r"\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}")
_PBKDF2 = re.compile(r"\$pbkdf2-([a-z0-9]+)\$([a-z]=\d+(?:,[a-z]=\d+)*)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)")
_ARGON2 = re.compile(r"\$argon2(id|i|d)\$(v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+")
_LDAP = {"SHA": "sha1", "SSHA": "sha1", "SHA256": "sha256", "SSHA256": "sha256", "SSHA384": "sha384",
         "SSHA512": "sha512", "MD5": "md5", "SMD5": "md5"}  # fmt: skip
_ENCODINGS = ("base64", "hex", "utf8")
_PASSWORD_CODECS = {"utf8": "utf-8", "ascii": "ascii", "latin1": "latin-1", "binary": "latin-1",
                    "utf16le": "utf-16-le", "ucs2": "utf-16-le"}  # fmt: skip
PBKDF2_DEFAULTS = {"i": 100_000, "l": 64}
BCRYPT_MAX_BYTES = 72


class ImportedHashError(ValueError):
    """A hash the import refuses, with Auth0's bulk-import error `code` and the property's `path`."""

    def __init__(self, code: str, message: str, path: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path


def _refuse(message: str, path: str, code: str = "FORMAT") -> ImportedHashError:
    return ImportedHashError(
        code, message, f"custom_password_hash.{path}" if path else "custom_password_hash"
    )


def decode(value: str, encoding: str) -> bytes:
    """`hex` (either case), `base64` (also URL-safe, padding optional) or `utf8` → bytes."""
    if encoding == "hex":
        return bytes.fromhex(value)
    if encoding == "base64":
        text = value.replace("-", "+").replace("_", "/")
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    return value.encode()


def _decodes(value: Any, encoding: Any, path: str) -> None:
    if not isinstance(value, str) or not value:
        raise _refuse(f"{path}.value must be a non-empty string", f"{path}.value", "INVALID_TYPE")
    if encoding not in _ENCODINGS:
        raise _refuse(
            f"{path}.encoding must be one of {', '.join(_ENCODINGS)}", f"{path}.encoding", "ENUM_MISMATCH"
        )
    try:
        decode(value, encoding)
    except (ValueError, binascii.Error) as exc:
        raise _refuse(f"{path}.value is not valid {encoding}", f"{path}.value") from exc


def _check_salt(custom: dict[str, Any]) -> None:
    salt = custom.get("salt")
    if salt is None:
        return
    if not isinstance(salt, dict) or salt.get("position", "prefix") not in ("prefix", "suffix"):
        raise _refuse("salt must be {value, encoding, position: prefix|suffix}", "salt")
    _decodes(salt.get("value"), salt.get("encoding", "utf8"), "salt")


def _check_value(algorithm: str, custom: dict[str, Any]) -> None:
    """Auth0's per-algorithm rules for `hash.value` and what may accompany it."""
    hashed = custom["hash"]
    value, encoding = hashed.get("value"), hashed.get("encoding", "utf8")
    if algorithm in ("bcrypt", "pbkdf2", "argon2", "ldap") and encoding != "utf8":
        raise _refuse(f"hash.encoding must be utf8 for {algorithm}", "hash.encoding", "ENUM_MISMATCH")
    if algorithm in ("pbkdf2", "argon2", "ldap") and "salt" in custom:
        raise _refuse(f"salt is not allowed for {algorithm}", "salt")
    if algorithm in (*PLAIN_ALGORITHMS, "hmac") and encoding not in ("hex", "base64"):
        raise _refuse(
            f"hash.encoding must be hex or base64 for {algorithm}", "hash.encoding", "ENUM_MISMATCH"
        )
    _decodes(value, encoding, "hash")
    if algorithm == "bcrypt" and not _BCRYPT.fullmatch(value):
        raise _refuse("hash.value must be a bcrypt hash starting with $2a$, $2b$ or $2y$", "hash.value")
    if algorithm == "argon2" and not _ARGON2.fullmatch(value):
        raise _refuse("hash.value must be an argon2 PHC string", "hash.value")
    if algorithm == "pbkdf2":
        _pbkdf2_parts(value)
    if algorithm == "ldap":
        _ldap_parts(value)
    if algorithm == "hmac":
        key = hashed.get("key")
        if hashed.get("digest") not in DIGESTS or not isinstance(key, dict):
            raise _refuse(f"hmac needs hash.digest (one of {', '.join(DIGESTS)}) and hash.key", "hash.digest")
        _decodes(key.get("value"), key.get("encoding", "utf8"), "hash.key")


def normalized(custom: Any) -> dict[str, Any]:
    """A valid `custom_password_hash`, or `ImportedHashError` as Auth0's import reports it."""
    if not isinstance(custom, dict) or not isinstance(custom.get("hash"), dict):
        raise _refuse("custom_password_hash must be an object with algorithm and hash", "", "OBJECT_REQUIRED")
    algorithm = custom.get("algorithm")
    if algorithm not in ALGORITHMS:
        raise _refuse(f"algorithm must be one of {', '.join(ALGORITHMS)}", "algorithm", "ENUM_MISMATCH")
    if algorithm in UNSUPPORTED:
        raise _refuse(f"edgeauth cannot verify {algorithm} hashes", "algorithm", "ENUM_MISMATCH")
    password = custom.get("password", {"encoding": "utf8"})
    if not isinstance(password, dict) or password.get("encoding", "utf8") not in _PASSWORD_CODECS:
        raise _refuse(f"password.encoding must be one of {', '.join(_PASSWORD_CODECS)}", "password.encoding")
    _check_salt(custom)
    _check_value(algorithm, custom)
    known = ("algorithm", "hash", "salt", "password")
    return {key: custom[key] for key in known if key in custom}


def from_custom(custom: Any) -> str:
    """The stored form of a valid `custom_password_hash`."""
    return IMPORTED + json.dumps(normalized(custom), separators=(",", ":"), sort_keys=True)


def from_bcrypt(password_hash: str) -> str:
    """Auth0's `password_hash`: a bcrypt hash (`$2a$`/`$2b$`, cost 10 in Auth0's own)."""
    return from_custom({"algorithm": "bcrypt", "hash": {"value": password_hash, "encoding": "utf8"}})


def stored_custom(stored: str) -> dict[str, Any]:
    """The `custom_password_hash` object an imported hash was stored from."""
    parsed: dict[str, Any] = json.loads(stored.removeprefix(IMPORTED))
    return parsed


def _pbkdf2_parts(value: str) -> tuple[str, int, int, bytes, bytes]:
    """`$pbkdf2-<digest>$i=<iterations>,l=<length>$<salt B64>$<hash B64>` (PHC; defaults i=100000,
    l=64) → digest, iterations, length, salt, hash."""
    match = _PBKDF2.fullmatch(value)
    if match is None or match.group(1) not in PBKDF2_DIGESTS:
        raise _refuse(
            f"hash.value must be a PHC pbkdf2 string with a digest of {', '.join(PBKDF2_DIGESTS)}",
            "hash.value",
        )
    params = {**PBKDF2_DEFAULTS, **{k: int(v) for k, v in (p.split("=") for p in match.group(2).split(","))}}
    if not 0 < params["i"] <= 10_000_000 or not 0 < params["l"] <= 1024:
        raise _refuse("hash.value has an out-of-range iteration count or length", "hash.value")
    return (
        match.group(1),
        params["i"],
        params["l"],
        decode(match.group(3), "base64"),
        decode(match.group(4), "base64"),
    )


def _ldap_parts(value: str) -> tuple[str, bytes, bool]:
    """RFC 2307 `{SCHEME}base64` → digest, decoded bytes, and whether a salt follows the digest."""
    match = re.fullmatch(r"\{([A-Z0-9]+)\}([A-Za-z0-9+/=]+)", value)
    if match is None or match.group(1) not in _LDAP:
        raise _refuse(
            f"hash.value must be {{SCHEME}}base64 with a scheme of {', '.join(_LDAP)}", "hash.value"
        )
    return _LDAP[match.group(1)], decode(match.group(2), "base64"), match.group(1).startswith("S")


def _salted(custom: dict[str, Any], password: bytes) -> bytes:
    """The password with the import's salt before or after it (`salt.position`)."""
    salt = custom.get("salt")
    if salt is None:
        return password
    value = decode(salt["value"], salt.get("encoding", "utf8"))
    return value + password if salt.get("position", "prefix") == "prefix" else password + value


def _password_bytes(custom: dict[str, Any], password: str) -> bytes:
    codec = _PASSWORD_CODECS[custom.get("password", {}).get("encoding", "utf8")]
    return password.encode(codec)


async def verify_imported(crypto: Crypto, password: str, stored: str) -> bool:
    """Whether `password` matches the imported hash; False for anything malformed or unencodable."""
    try:
        custom = stored_custom(stored)
        secret = _salted(custom, _password_bytes(custom, password))
        return await _matches(crypto, custom["algorithm"], custom["hash"], secret)
    except (ValueError, KeyError, TypeError, UnicodeError):
        return False


async def _matches(crypto: Crypto, algorithm: str, hashed: dict[str, Any], secret: bytes) -> bool:
    value = hashed["value"]
    if algorithm == "bcrypt":
        # bcrypt reads a NUL-terminated string of at most 72 bytes.
        truncated = secret.split(b"\0", 1)[0][:BCRYPT_MAX_BYTES]
        return await crypto.bcrypt_matches(truncated, value.encode())
    if algorithm == "argon2":
        return await crypto.argon2_matches(secret, value)
    if algorithm == "pbkdf2":
        digest, iterations, length, salt, expected = _pbkdf2_parts(value)
        derived = await crypto.pbkdf2(secret, salt, iterations, digest=digest, length=length)
        return hmac.compare_digest(derived, expected)
    if algorithm == "ldap":
        digest, raw, salted = _ldap_parts(value)
        size = hashlib.new(digest).digest_size
        expected, salt = (raw[:size], raw[size:]) if salted else (raw, b"")
        return hmac.compare_digest(hashlib.new(digest, secret + salt).digest(), expected)
    expected = decode(value, hashed["encoding"])
    if algorithm == "hmac":
        key = hashed["key"]
        derived = hmac.new(
            decode(key["value"], key.get("encoding", "utf8")), secret, hashed["digest"]
        ).digest()
        return hmac.compare_digest(derived, expected)
    return hmac.compare_digest(hashlib.new(algorithm, secret).digest(), expected)
