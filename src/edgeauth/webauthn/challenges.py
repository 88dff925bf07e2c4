"""WebAuthn challenges (L2 §13.4.3: random, at least 16 bytes, used once). The page gets the
challenge and a sealed copy of it bound to the tenant, the ceremony and an expiry; the answer
brings the sealed copy back, so no store is written before the user acts. The user's object
records each challenge it accepts until it expires, so an answer cannot be replayed."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from edgeauth.encoding import b64url_encode
from edgeauth.ports import Crypto

LIFETIME_SECONDS = 600  # a login transaction's span; the browser's own timeout is shorter
TIMEOUT_MS = 300_000  # what the page asks the browser to wait for the user (§5.4 `timeout`)


@dataclass(frozen=True)
class Challenge:
    value: str  # base64url, what the browser signs
    sealed: str  # what the page posts back


async def issue(crypto: Crypto, tenant_id: str, ceremony: str, now: int) -> Challenge:
    value = b64url_encode(secrets.token_bytes(32))
    payload = {"c": value, "t": tenant_id, "k": ceremony, "exp": now + LIFETIME_SECONDS}
    return Challenge(value, await crypto.seal(json.dumps(payload).encode()))


async def opened(crypto: Crypto, sealed: str, tenant_id: str, ceremony: str, now: int) -> str | None:
    """The challenge a sealed copy holds, when it is this tenant's, for this ceremony, and live."""
    try:
        payload = json.loads(await crypto.unseal(sealed))
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if payload.get("t") != tenant_id or payload.get("k") != ceremony or payload.get("exp", 0) < now:
        return None
    value = payload.get("c")
    return value if isinstance(value, str) else None
