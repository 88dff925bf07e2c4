"""Random identifiers and secrets; call only inside handlers (Workers forbid entropy at import)."""

from __future__ import annotations

import secrets
import string

_ALPHANUMERIC = string.ascii_letters + string.digits


def client_id() -> str:
    """32 alphanumeric characters, the shape of an Auth0 client_id."""
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(32))


def client_secret() -> str:
    """64 URL-safe characters (384 bits): high entropy, so a fast hash is enough at rest."""
    return secrets.token_urlsafe(48)


def object_id(prefix: str) -> str:
    """Auth0-style prefixed id, e.g. `cgr_…` for a client grant, `api_…` for a resource server."""
    return f"{prefix}_{secrets.token_hex(8)}"
