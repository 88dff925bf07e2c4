"""Precomputed public documents (discovery, JWKS): bytes and a strong `ETag` built once per
version, `304 Not Modified` on a matching `If-None-Match` (RFC 9110 §8.8.3, §13.1.2)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.encoding import b64url_encode


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str

    @classmethod
    def of(cls, value: Any) -> Document:
        """Compact JSON, and an entity tag from its SHA-256 (the same bytes in every isolate)."""
        body = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        return cls(body, f'"{b64url_encode(hashlib.sha256(body).digest()[:18])}"')


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """`If-None-Match` names this entity (weak comparison, §8.8.3.2) or is `*`."""
    if not if_none_match:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def document_response(request: Request, document: Document, cache_control: str) -> Response:
    """The document, or `304` with its validators when the caller already holds it; public CORS."""
    headers = {"ETag": document.etag, "Cache-Control": cache_control, "Access-Control-Allow-Origin": "*"}
    if etag_matches(request.headers.get("if-none-match"), document.etag):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type="application/json", headers=headers)
