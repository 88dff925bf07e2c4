"""Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226): SHA-1, six digits, 30-second
steps, as authenticator apps and Auth0's `otp` factor use them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

DIGITS = 6
PERIOD = 30
# One step either side of now: a phone's clock a little off still works (RFC 6238 §5.2).
WINDOW = 1
SECRET_BYTES = 20  # 160 bits (RFC 4226 §4, R6); 32 base32 characters


def new_secret() -> str:
    """A fresh shared secret, base32 without padding (what an authenticator app takes)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def key_of(secret: str) -> bytes:
    """The key a base32 secret holds (RFC 4648 §6; padding optional, as apps write it)."""
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def is_secret(secret: str) -> bool:
    """A base32 secret of at least 80 bits (RFC 4226 §4 R6's minimum is 128; apps and other
    providers issue 80 and more), as imported authenticator apps carry."""
    if not 16 <= len(secret) <= 128 or set(secret) - set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"):
        return False
    try:
        key_of(secret)
    except ValueError:
        return False
    return True


def hotp(key: bytes, counter: int) -> str:
    """RFC 4226 §5.3: HMAC-SHA-1 of the counter, dynamically truncated to `DIGITS` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def time_step(now: float) -> int:
    """RFC 6238 §4.2: T = floor(unix time / period)."""
    return int(now) // PERIOD


def matching_step(secret: str, code: str, now: float, last_used: int) -> int | None:
    """The time step near `now` whose code is `code`, if it is later than `last_used`: a code is
    good once (RFC 6238 §5.2), so a code seen by a shoulder or a proxy cannot be replayed. Every
    step of the window is compared, in constant time."""
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    key = key_of(secret)
    current = time_step(now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(hotp(key, step), code) and step > last_used:
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The `otpauth://totp/` URI an authenticator app scans (Google Authenticator's key URI format;
    Auth0's `barcode_uri`)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD}
    )
    return f"otpauth://totp/{label}?{query}"
