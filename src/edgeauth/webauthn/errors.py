"""Why a WebAuthn response was refused."""

from __future__ import annotations


class WebAuthnError(ValueError):
    """A registration or authentication response that fails one of the relying party's checks
    (WebAuthn L2 §7.1, §7.2); the message names the check, for logs only."""
