"""Client authentication at the token endpoint (RFC 6749 §2.3.1, §5.2).

Supported: `client_secret_basic`, `client_secret_post`, and `none` for public clients. Secrets are
compared as SHA-256 digests with `hmac.compare_digest`: constant time, no slow KDF on this path.
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import b64decode
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext
from edgeauth.http.errors import OAuthError, challenge, invalid_request
from edgeauth.snapshots import Client, load_client

BASIC = "client_secret_basic"
POST = "client_secret_post"
NONE = "none"


@dataclass(frozen=True)
class PresentedCredentials:
    client_id: str
    client_secret: str | None
    method: str


def invalid_client(description: str, method: str, tenant_id: str) -> OAuthError:
    """401; with `WWW-Authenticate` when the client tried HTTP Basic (RFC 6749 §5.2), carrying the
    error too (openid-client reads the error from the challenge when there is one)."""
    params = {"realm": tenant_id, "error": "invalid_client", "error_description": description}
    headers = {"WWW-Authenticate": challenge("Basic", **params)} if method == BASIC else {}
    return OAuthError("invalid_client", description, 401, headers)


def _parse_basic(header: str, tenant_id: str) -> tuple[str, str]:
    """`Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1)."""
    _, _, encoded = header.partition(" ")
    try:
        decoded = b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError as exc:  # not base64 (binascii.Error), not ASCII, not UTF-8
        raise invalid_client("Malformed Basic credentials.", BASIC, tenant_id) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise invalid_client("Malformed Basic credentials.", BASIC, tenant_id)
    return unquote_plus(client_id), unquote_plus(secret)


def presented_credentials(
    authorization: str | None, params: dict[str, Any], tenant_id: str
) -> PresentedCredentials:
    """Which method the client used; more than one at once is an `invalid_request`."""
    body_id = string_param(params, "client_id")
    body_secret = string_param(params, "client_secret")
    if authorization and authorization.split(" ", 1)[0].lower() == "basic":
        if body_secret:
            raise invalid_request("Use only one client authentication method.")
        client_id, secret = _parse_basic(authorization, tenant_id)
        if body_id and body_id != client_id:
            raise invalid_request("client_id in the body does not match the Basic credentials.")
        return PresentedCredentials(client_id, secret, BASIC)
    if not body_id:
        raise invalid_request("Missing required parameter: client_id")
    if body_secret:
        return PresentedCredentials(body_id, body_secret, POST)
    return PresentedCredentials(body_id, None, NONE)


def secret_matches(client: Client, secret: str) -> bool:
    presented = hashlib.sha256(secret.encode()).hexdigest()
    return hmac.compare_digest(presented, client.client_secret_hash)


async def authenticate_client(ctx: RequestContext, presented: PresentedCredentials) -> Client:
    """The tenant's client, its secret checked when one was presented or is required."""
    tenant_id = ctx.tenant.id
    client = await load_client(ctx.platform.config, tenant_id, presented.client_id)
    if client is None:
        raise invalid_client("Unknown client.", presented.method, tenant_id)
    if presented.client_secret is not None:
        if not secret_matches(client, presented.client_secret):
            raise invalid_client("Client authentication failed.", presented.method, tenant_id)
    elif client.is_confidential:
        raise invalid_client("Client authentication is required.", presented.method, tenant_id)
    return client


async def request_client(ctx: RequestContext, authorization: str | None, params: dict[str, Any]) -> Client:
    """The client a request's credentials (header or body) name and prove."""
    presented = presented_credentials(authorization, params, ctx.tenant.id)
    return await authenticate_client(ctx, presented)
