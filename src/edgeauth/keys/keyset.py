"""Per-tenant RS256 signing keys: previous, current and next (docs/architecture.md, "Keys").

The JWKS publishes all three, so a token signed before a rotation still verifies after it and the
next key is in every cached JWKS a full rotation period before anything is signed with it. Private
keys are stored sealed with the deployment key, never in plain text and never in D1. A revoked previous key
leaves the JWKS (Auth0 revoke); only its kid and revocation time are kept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from edgeauth.encoding import b64url_encode
from edgeauth.platform import Platform
from edgeauth.snapshots import keyset_key, put_json


@dataclass(frozen=True)
class SigningKey:
    kid: str
    n: str
    e: str
    sealed_private: str
    created_at: int

    def public_jwk(self) -> dict[str, str]:
        """The JWKS entry (RFC 7517 §4, RFC 7518 §6.3.1)."""
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": self.n, "e": self.e}

    async def private_jwk(self, platform: Platform) -> dict[str, str]:
        """Unsealed once per key and process (isolate): signing is the token path's hot step."""
        jwk = _UNSEALED.get(self.sealed_private)
        if jwk is None:
            jwk = json.loads(await platform.crypto.unseal(self.sealed_private))
            _UNSEALED[self.sealed_private] = jwk
            while len(_UNSEALED) > MAX_UNSEALED:
                _UNSEALED.pop(next(iter(_UNSEALED)))
        return jwk


# Sealed private key → its JWK, for the few keys this process signs with (a tenant's current key;
# the crypto adapters keep the imported key objects likewise).
_UNSEALED: dict[str, dict[str, str]] = {}
MAX_UNSEALED = 64


# Auth0 lists the last three revoked keys.
MAX_REVOKED = 3


@dataclass(frozen=True)
class RevokedKey:
    """A key taken out of the JWKS for good; only its id and when are kept (no key material)."""

    kid: str
    revoked_at: int


@dataclass(frozen=True)
class KeySet:
    current: SigningKey
    next: SigningKey
    previous: SigningKey | None = None
    revoked: tuple[RevokedKey, ...] = ()

    def published(self) -> list[SigningKey]:
        """Keys in the JWKS: current first, then next, then previous."""
        return [k for k in (self.current, self.next, self.previous) if k is not None]

    def rotated(self, new_next: SigningKey) -> KeySet:
        """previous ← current ← next ← a new key."""
        return replace(self, current=self.next, next=new_next, previous=self.current)

    def without_previous(self, revoked_at: int) -> KeySet:
        """The previous key out of the JWKS: tokens it signed stop verifying (Auth0 revoke)."""
        if self.previous is None:
            return self
        revoked = (RevokedKey(self.previous.kid, revoked_at), *self.revoked)[:MAX_REVOKED]
        return replace(self, previous=None, revoked=revoked)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySet:
        previous = data.get("previous")
        return cls(
            current=SigningKey(**data["current"]),
            next=SigningKey(**data["next"]),
            previous=SigningKey(**previous) if previous else None,
            revoked=tuple(RevokedKey(**key) for key in data.get("revoked", [])),
        )


def thumbprint(n: str, e: str) -> str:
    """JWK thumbprint (RFC 7638 §3): SHA-256 of the required members in lexicographic order."""
    canonical = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


async def new_signing_key(platform: Platform) -> SigningKey:
    private = await platform.crypto.generate_rs256_key()
    sealed = await platform.crypto.seal(json.dumps(private).encode())
    return SigningKey(
        kid=thumbprint(private["n"], private["e"]),
        n=private["n"],
        e=private["e"],
        sealed_private=sealed,
        created_at=platform.now(),
    )


async def _store(platform: Platform, tenant_id: str, keyset: KeySet) -> KeySet:
    await put_json(platform.config, keyset_key(tenant_id), keyset.to_json())
    return keyset


def parse_keyset(raw: str | None) -> KeySet | None:
    return None if raw is None else KeySet.from_json(json.loads(raw))


async def load_keyset(platform: Platform, tenant_id: str) -> KeySet:
    """The tenant's key set for signing and publishing, created on first need (current + next).

    From the isolate's snapshot cache: after a rotation elsewhere, an isolate may sign with the
    old current key for the cache's few seconds, and that key stays published as `previous`.
    """
    keyset = await platform.config.snapshot(keyset_key(tenant_id), parse_keyset)
    if keyset is not None:
        return keyset
    keyset = KeySet(current=await new_signing_key(platform), next=await new_signing_key(platform))
    return await _store(platform, tenant_id, keyset)


async def verification_keys(platform: Platform, tenant_id: str) -> list[dict[str, str]]:
    """The public keys a token of this tenant may be signed with, read from KV itself: a revoked
    key stops verifying here at once, never a cache lifetime later."""
    keyset = parse_keyset(await platform.config.get(keyset_key(tenant_id)))
    if keyset is None:
        keyset = await load_keyset(platform, tenant_id)
    return [key.public_jwk() for key in keyset.published()]


async def rotate_keyset(platform: Platform, tenant_id: str) -> KeySet:
    """Sign with the pre-published next key from now on; keep the old current as previous."""
    keyset = await load_keyset(platform, tenant_id)
    return await _store(platform, tenant_id, keyset.rotated(await new_signing_key(platform)))


async def revoke_previous_key(platform: Platform, tenant_id: str, kid: str) -> KeySet | None:
    """Revoke the previous key if it is `kid`; None when `kid` is not the previous key."""
    keyset = await load_keyset(platform, tenant_id)
    if keyset.previous is None or keyset.previous.kid != kid:
        return None
    return await _store(platform, tenant_id, keyset.without_previous(platform.now()))


def jwks(keyset: KeySet) -> dict[str, list[dict[str, str]]]:
    """`/.well-known/jwks.json` body."""
    return {"keys": [key.public_jwk() for key in keyset.published()]}
