"""The MFA API as a resource server (Auth0: the audience `https://{tenant-domain}/mfa/`).

A token for it lets an app list and remove the user's authenticators (`/mfa/authenticators`).
Asking for it makes the login pass a second factor whenever the user has one (not the email: it
proves no more than a password reset would), whatever the tenant's policy, and a remembered
browser does not count; its tokens last ten minutes, as Auth0's (not configurable).
"""

from __future__ import annotations

from typing import Any

from edgeauth.snapshots import ResourceServer

# Host-independent, like the Management API's: the audience follows the host serving the tenant.
IDENTIFIER = "urn:edgeauth:mfa-api"
NAME = "Auth0 MFA API"
TOKEN_LIFETIME = 600
ENROLL, READ, REMOVE = "enroll", "read:authenticators", "remove:authenticators"


def audience_for(issuer: str) -> str:
    """`https://{tenant-domain}/mfa/` (issuer ends with `/`)."""
    return f"{issuer}mfa/"


def names_mfa_api(issuer: str, audience: str) -> bool:
    return audience == audience_for(issuer)


def resource_server(tenant_id: str) -> ResourceServer:
    """What the token endpoint issues MFA API tokens for (no KV snapshot needed)."""
    return ResourceServer(tenant_id, "api_mfa", IDENTIFIER, NAME, [ENROLL, READ, REMOVE], TOKEN_LIFETIME)


def for_mfa_api(request: dict[str, Any] | None) -> bool:
    """The login's request (as the user's object sees it) asks for an MFA API token."""
    return bool(request and request.get("mfa_api"))
