"""The login transaction: stateless, encrypted, short-lived, bound to the browser (docs/architecture.md).

The authorization request travels in the page's `state` sealed with the deployment key; the
seal also holds a digest of a random value kept in a `SameSite=Lax` cookie, so a transaction
cannot be replayed from another browser and a cross-site form post (no cookie) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from starlette.requests import Request

from edgeauth.http.context import RequestContext
from edgeauth.http.cookies import TRANSACTION_COOKIE
from edgeauth.oauth.authorize.request import AuthorizationRequest

LIFETIME = 3600


class TransactionError(Exception):
    """The transaction is unknown, expired, for another tenant or another browser."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def browser_binding(request: Request) -> str:
    """The browser's binding value: the existing cookie, or a new random one."""
    return request.cookies.get(TRANSACTION_COOKIE) or secrets.token_urlsafe(24)


async def seal_transaction(
    ctx: RequestContext, request: AuthorizationRequest, binding: str, **extra: object
) -> str:
    """`extra`: what a step of the login adds (the upstream login's nonce and PKCE verifier)."""
    body = {
        "request": request.to_json(),
        "tenant": ctx.tenant.id,
        "expires_at": ctx.platform.now() + LIFETIME,
        "binding": _digest(binding),
        **extra,
    }
    return await ctx.platform.crypto.seal(json.dumps(body, separators=(",", ":")).encode())


async def open_transaction(ctx: RequestContext, sealed: str, binding: str) -> AuthorizationRequest:
    return AuthorizationRequest.from_json((await open_transaction_body(ctx, sealed, binding))["request"])


async def open_transaction_body(ctx: RequestContext, sealed: str, binding: str) -> dict[str, Any]:
    """The whole sealed body, once checked: this tenant, not expired, this browser."""
    try:
        body: dict[str, Any] = json.loads(await ctx.platform.crypto.unseal(sealed))
    except ValueError as exc:
        raise TransactionError("The login transaction is invalid.") from exc
    if body["tenant"] != ctx.tenant.id or body["expires_at"] <= ctx.platform.now():
        raise TransactionError("The login transaction has expired. Please start again.")
    if not binding or not hmac.compare_digest(body["binding"], _digest(binding)):
        raise TransactionError("The login transaction belongs to another browser session.")
    return body
