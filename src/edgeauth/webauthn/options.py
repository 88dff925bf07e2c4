"""What the page hands `navigator.credentials.create()` / `.get()` (WebAuthn L2 §5.4, §5.5), in
the JSON form (binary members base64url), and what the answer is then checked against. The RP ID
and origin come from the tenant's canonical issuer, never from the request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from edgeauth.webauthn.challenges import TIMEOUT_MS
from edgeauth.webauthn.client_data import Expected
from edgeauth.webauthn.cose import ALGORITHMS

ROAMING = "webauthn-roaming"
PLATFORM = "webauthn-platform"
PASSKEY = "passkey"
# Auth0's defaults: a security key needs only a touch; the device's authenticator and a passkey,
# which stand alone for the user, need its PIN or biometric.
USER_VERIFICATION = {ROAMING: "discouraged", PLATFORM: "required", PASSKEY: "required"}
ATTACHMENT = {ROAMING: "cross-platform", PLATFORM: "platform"}


def expected(issuer: str, challenge: str, kind: str) -> Expected:
    """The checks for an answer to `challenge` on this issuer's host, for `kind`."""
    return Expected(
        challenge=challenge,
        origin=issuer.rstrip("/"),
        rp_id=urlsplit(issuer).hostname or "",
        user_verification=USER_VERIFICATION[kind] == "required",
    )


def creation(
    issuer: str, rp_name: str, user: dict[str, str], challenge: str, kind: str, exclude: list[dict[str, Any]]
) -> dict[str, Any]:
    """`PublicKeyCredentialCreationOptions`: ES256 or RS256, no attestation; a passkey is a
    discoverable credential, a second factor need not be."""
    selection: dict[str, Any] = {
        "residentKey": "required" if kind == PASSKEY else "discouraged",
        "requireResidentKey": kind == PASSKEY,
        "userVerification": USER_VERIFICATION[kind],
    }
    if kind in ATTACHMENT:
        selection["authenticatorAttachment"] = ATTACHMENT[kind]
    return {
        "rp": {"id": urlsplit(issuer).hostname or "", "name": rp_name},
        "user": user,
        "challenge": challenge,
        "pubKeyCredParams": [{"type": "public-key", "alg": alg} for alg in ALGORITHMS],
        "timeout": TIMEOUT_MS,
        "attestation": "none",
        "authenticatorSelection": selection,
        "excludeCredentials": exclude,
    }


def request(issuer: str, challenge: str, kind: str, allow: list[dict[str, Any]]) -> dict[str, Any]:
    """`PublicKeyCredentialRequestOptions`; no `allowCredentials` lets a passkey be chosen."""
    return {
        "challenge": challenge,
        "rpId": urlsplit(issuer).hostname or "",
        "timeout": TIMEOUT_MS,
        "userVerification": USER_VERIFICATION[kind],
        "allowCredentials": allow,
    }
