"""Imported password hashes that WebCrypto cannot verify, in pure Python (docs/migrating-from-auth0.md,
"Password hashes"): each runs once per user, at the first login, before the hash is replaced by the
tenant's own PBKDF2.

- bcrypt without the Pyodide build of pyca `bcrypt`: libpass's pure-Python Blowfish.
- PBKDF2 above WebCrypto's 100 000 iterations: RFC 8018 §5.2 over `hmac`, one block at a time.
"""

from __future__ import annotations

import hashlib
import hmac

_BCRYPT_PREFIXES = ("2a", "2b", "2y")


def bcrypt_in_python(password: bytes, hashed: bytes) -> bool:
    """Modular-crypt bcrypt (`$2b$10$<22 salt><31 hash>`), as pyca `bcrypt.checkpw` answers it."""
    from passlib.crypto._blowfish import raw_bcrypt

    try:
        _, ident, cost, rest = hashed.decode("ascii").split("$")
        rounds = int(cost)
    except (UnicodeDecodeError, ValueError):
        return False
    if ident not in _BCRYPT_PREFIXES or not 4 <= rounds <= 31 or len(rest) != 53:
        return False
    # bcrypt reads the password as a NUL-terminated string of at most 72 bytes ($2b$ semantics).
    secret = password.split(b"\0", 1)[0][:72]
    checksum = raw_bcrypt(secret, "2b" if ident == "2y" else ident, rest[:22].encode(), rounds)
    return hmac.compare_digest(checksum, rest[22:].encode())


def pbkdf2_in_python(digest: str, password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """PBKDF2-HMAC (RFC 8018 §5.2): hashlib's when the runtime has it, else the loop itself."""
    if hasattr(hashlib, "pbkdf2_hmac"):
        return hashlib.pbkdf2_hmac(digest, password, salt, iterations, length)
    return pbkdf2_loop(digest, password, salt, iterations, length)


def pbkdf2_loop(digest: str, password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """RFC 8018 §5.2 itself: T_i = U_1 xor … xor U_c per block, the key's HMAC state copied."""
    keyed = hmac.new(password, digestmod=digest)
    blocks = []
    for index in range(1, -(-length // keyed.digest_size) + 1):
        mac = keyed.copy()
        mac.update(salt + index.to_bytes(4, "big"))
        block = mac.digest()
        total = int.from_bytes(block, "big")
        for _ in range(iterations - 1):
            mac = keyed.copy()
            mac.update(block)
            block = mac.digest()
            total ^= int.from_bytes(block, "big")
        blocks.append(total.to_bytes(keyed.digest_size, "big"))
    return b"".join(blocks)[:length]
