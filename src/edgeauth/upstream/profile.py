"""From the provider's claims to Auth0's user: the identity (`identities[]`, `profileData`) and the
normalized root profile (Auth0 "User Profile Structure")."""

from __future__ import annotations

from typing import Any

from edgeauth.upstream.provider import Provider
from edgeauth.users.directory import normalize_email

PROFILE_CLAIMS = ("name", "given_name", "family_name", "nickname", "picture", "locale")
# Auth0's identity `provider` per strategy; enterprise connections are not "social".
PROVIDER_NAMES = {"oidc": "oidc"}


def oidc_identity(provider: Provider, claims: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(identity, profile): `email_verified` only when the provider asserts `true`."""
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    profile: dict[str, Any] = {
        "email": normalize_email(email) if email else None,
        "email_verified": claims.get("email_verified") is True,
        **{name: claims[name] for name in PROFILE_CLAIMS if isinstance(claims.get(name), str)},
    }
    identity = {
        "provider": PROVIDER_NAMES.get(provider.strategy, provider.strategy),
        "user_id": claims["sub"],
        "connection": provider.connection,
        "is_social": False,
        "profile_data": {k: v for k, v in profile.items() if v is not None},
    }
    return identity, profile
