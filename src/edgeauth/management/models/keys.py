"""Signing keys: Auth0 `/api/v2/keys/signing` responses (no X.509: `cert` is empty)."""

from __future__ import annotations

from edgeauth.management.models.common import Resource


class SigningKey(Resource):
    kid: str
    cert: str
    fingerprint: str
    thumbprint: str
    current: bool
    next: bool
    previous: bool
    revoked: bool
    revoked_at: str | None = None


class KeyId(Resource):
    """What rotate and revoke answer: the key's id (and its certificate, empty here)."""

    kid: str
    cert: str
