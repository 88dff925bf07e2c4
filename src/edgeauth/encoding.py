"""base64url without padding (RFC 7515 §2) and the JSON form used inside JOSE objects."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    """PKCE S256 challenge of a verifier (RFC 7636 §4.2)."""
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def b64url_decode(text: str) -> bytes:
    """Inverse of `b64url_encode`; raises `ValueError` on malformed input."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def int_to_b64url(value: int) -> str:
    """Base64urlUInt (RFC 7518 §2): big-endian, minimal length."""
    return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def b64url_to_int(text: str) -> int:
    return int.from_bytes(b64url_decode(text), "big")


_COMPACT = json.JSONEncoder(separators=(",", ":"))


def compact_text(value: Any) -> str:
    """Compact JSON, members in the order given (one shared encoder: `json.dumps` builds a new
    one per call when given options)."""
    return _COMPACT.encode(value)


def compact_json(value: Any) -> bytes:
    """`compact_text` as bytes."""
    return _COMPACT.encode(value).encode()


# Deeper JSON is refused before parsing: a recursion error on CPython, a stack overflow under
# Pyodide. Auth0's own payloads (metadata included) nest a few levels.
MAX_JSON_DEPTH = 32


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings ignored)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads_bounded(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` that refuses (ValueError) nesting deeper than `max_depth`: a recursion error on
    CPython, a stack overflow under Pyodide, either a 500 otherwise."""
    text = body.decode("utf-8")
    if json_depth(text) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth}")
    value = json.loads(text)
    _check_text(value)
    return value


def _check_text(value: Any) -> None:
    """`ValueError` for a lone surrogate (`"\\ud800"` is valid JSON, not valid text): every later
    `.encode()` of it would fail."""
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError is a ValueError
    elif isinstance(value, list):
        for item in value:
            _check_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
