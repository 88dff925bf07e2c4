"""Precomputed public documents (discovery, JWKS): bytes, a strong `ETag` and the response headers
built once per version, `304 Not Modified` on a matching `If-None-Match` (RFC 9110 §8.8.3,
§13.1.2). Public CORS (`*`): any page may read them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.encoding import b64url_encode
from edgeauth.http.context import raw_header

RawHeaders = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str
    # The headers of a 304, and those of a 200 (the same plus the body's type and length).
    validators: tuple[tuple[bytes, bytes], ...]
    headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def of(cls, value: Any, cache_control: str) -> Document:
        """Compact JSON, and an entity tag from its SHA-256 (the same bytes in every isolate)."""
        body = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        etag = f'"{b64url_encode(hashlib.sha256(body).digest()[:18])}"'
        validators = (
            (b"etag", etag.encode()),
            (b"cache-control", cache_control.encode()),
            (b"access-control-allow-origin", b"*"),
        )
        entity = ((b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()))
        return cls(body, etag, validators, validators + entity)


class DocumentResponse(Response):
    """A response from precomputed parts: nothing is parsed or encoded per request."""

    def __init__(self, status_code: int, headers: RawHeaders, body: bytes = b"") -> None:
        self.status_code = status_code
        self.raw_headers = headers
        self.body = body
        self.background = None


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """`If-None-Match` names this entity (weak comparison, §8.8.3.2) or is `*`."""
    if not if_none_match:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def document_response(request: Request, document: Document) -> Response:
    """The document, or `304` with its validators when the caller already holds it."""
    if etag_matches(raw_header(request.scope, b"if-none-match"), document.etag):
        return DocumentResponse(304, list(document.validators))
    return DocumentResponse(200, list(document.headers), document.body)
