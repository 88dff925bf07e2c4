"""Opaque tokens that find their Durable Object: `{object id}.{secret}` (docs/architecture.md, "Storage and
consistency").

Only a SHA-256 digest of the secret is stored; the object id routes the token to one object.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_HEX = frozenset("0123456789abcdef")
# A cookie that holds one token per user of a browser (Adaptive MFA's device tokens): at most this
# many, joined by a cookie-octet (RFC 6265 §4.1.1) that no token contains.
TOKENS_PER_COOKIE = 5
_TOKEN_SEPARATOR = "~"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(object_id: str) -> tuple[str, str]:
    """A fresh token for the object and the digest to store (256-bit secret)."""
    secret = secrets.token_urlsafe(32)
    return f"{object_id}.{secret}", digest(secret)


def split_token(token: str) -> tuple[str, str] | None:
    """`(object id, secret)`, or `None` for anything that is not a well-formed token."""
    object_id, sep, secret = token.partition(".")
    if not sep or len(object_id) != 64 or not set(object_id) <= _HEX or not 40 <= len(secret) <= 64:
        return None
    return object_id, secret


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def tokens_in(value: str) -> list[str]:
    """The well-formed tokens of a cookie that holds several (the first `TOKENS_PER_COOKIE`)."""
    return [token for token in value.split(_TOKEN_SEPARATOR)[:TOKENS_PER_COOKIE] if split_token(token)]


def tokens_value(tokens: list[str]) -> str:
    """The cookie value for these tokens, the first `TOKENS_PER_COOKIE` of them."""
    return _TOKEN_SEPARATOR.join(tokens[:TOKENS_PER_COOKIE])
