"""Signing keys as Auth0 `/keys/signing` shows them: the tenant's key set (previous, current, next)
and the last revoked keys.

There is no X.509 here (the keys are bare RSA JWKs, made with WebCrypto on Workers), so `cert` is
empty and `pkcs7` absent; `thumbprint` (hex) and `fingerprint` (colon hex) are the key's RFC 7638
JWK thumbprint, which is also its `kid` (docs/decisions.md, "Signing keys without certificates").
"""

from __future__ import annotations

from typing import Any

from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.encoding import b64url_decode
from edgeauth.keys.keyset import KeySet, load_keyset, revoke_previous_key, rotate_keyset
from edgeauth.platform import Platform
from edgeauth.rows import iso_now


def _digests(kid: str) -> dict[str, str]:
    digest = b64url_decode(kid)
    return {"thumbprint": digest.hex(), "fingerprint": ":".join(f"{b:02X}" for b in digest)}


def _key_json(kid: str, role: str = "", revoked_at: int | None = None) -> dict[str, Any]:
    """One Auth0 signing key object; `role` is current, next or previous."""
    key: dict[str, Any] = {"kid": kid, "cert": "", **_digests(kid)}
    key.update({flag: flag == role for flag in ("current", "next", "previous")})
    key["revoked"] = revoked_at is not None
    if revoked_at is not None:
        key["revoked_at"] = iso_now(revoked_at)
    return key


def keys_json(keyset: KeySet) -> list[dict[str, Any]]:
    """Auth0 `GET /keys/signing`: the valid keys (current, next, previous), then the revoked ones."""
    roles = (("current", keyset.current), ("next", keyset.next), ("previous", keyset.previous))
    valid = [_key_json(key.kid, role) for role, key in roles if key is not None]
    return valid + [_key_json(key.kid, revoked_at=key.revoked_at) for key in keyset.revoked]


async def list_keys(platform: Platform, tenant_id: str) -> list[dict[str, Any]]:
    return keys_json(await load_keyset(platform, tenant_id))


async def get_key(platform: Platform, tenant_id: str, kid: str) -> dict[str, Any]:
    """Auth0 `GET /keys/signing/{kid}`."""
    for key in await list_keys(platform, tenant_id):
        if key["kid"] == kid:
            return key
    raise not_found("Signing key not found.", "inexistent_signing_key")


async def rotate(platform: Platform, tenant_id: str) -> dict[str, str]:
    """Auth0 `POST /keys/signing/rotate`: the next key signs from now on; answers with its kid."""
    keyset = await rotate_keyset(platform, tenant_id)
    return {"kid": keyset.current.kid, "cert": ""}


async def revoke(platform: Platform, tenant_id: str, kid: str) -> dict[str, str]:
    """Auth0 `PUT /keys/signing/{kid}/revoke`: only the previously used key can be revoked (rotate
    first); it leaves the JWKS, so tokens it signed stop verifying."""
    key = await get_key(platform, tenant_id, kid)
    if key["revoked"]:
        raise conflict("The signing key is already revoked.", "signing_key_revoked")
    if not key["previous"] or await revoke_previous_key(platform, tenant_id, kid) is None:
        raise bad_request(
            "Only the previously used signing key can be revoked: rotate the keys first.",
            "invalid_signing_key_state",
        )
    return {"kid": kid, "cert": ""}
