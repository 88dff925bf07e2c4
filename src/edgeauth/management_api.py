"""The tenant's own Management API as a resource server (Auth0: the system API `{issuer}api/v2/`).

Its audience follows the host that serves the tenant (`{issuer}api/v2/`), so it is stored under a
host-independent identifier and translated at the HTTP edges (docs/decisions.md,
"Management API audience").
"""

from __future__ import annotations

from edgeauth.snapshots import ResourceServer

IDENTIFIER = "urn:edgeauth:management-api"
NAME = "Auth0 Management API"
TOKEN_LIFETIME = 86400

# The Auth0 Management API v2 scopes this server checks (one per resource and verb).
SCOPES = tuple(
    f"{verb}:{resource}"
    for resource, verbs in (
        ("users", ("read", "create", "update", "delete")),
        ("users_app_metadata", ("read", "create", "update", "delete")),
        # edgeauth's own: a users export with password hashes (docs/migrating-from-auth0.md).
        ("users_password_hashes", ("read",)),
        ("clients", ("read", "create", "update", "delete")),
        ("client_keys", ("read", "update")),
        ("connections", ("read", "create", "update", "delete")),
        ("resource_servers", ("read", "create", "update", "delete")),
        ("client_grants", ("read", "create", "update", "delete")),
        ("roles", ("read", "create", "update", "delete")),
        ("role_members", ("read", "create", "delete")),
        ("logs", ("read",)),
        ("logs_users", ("read",)),
        ("tenant_settings", ("read", "update")),
        ("branding", ("read", "update", "delete")),
        ("prompts", ("read", "update")),
        ("email_templates", ("read", "create", "update")),
        ("email_provider", ("read", "create", "update", "delete")),
        ("signing_keys", ("read", "create", "update")),
        ("tenants", ("create",)),
        ("guardian_factors", ("read", "update")),
        ("mfa_policies", ("read", "update")),
        ("authentication_methods", ("read", "create", "update", "delete")),
        ("guardian_enrollments", ("read", "delete")),
        ("guardian_enrollment_tickets", ("create",)),
    )
    for verb in verbs
)


def audience_for(issuer: str) -> str:
    """`https://{tenant-domain}/api/v2/` (issuer ends with `/`)."""
    return f"{issuer}api/v2/"


def stored_identifier(issuer: str, audience: str) -> str:
    """The identifier an audience is stored under: the Management API's is host-independent."""
    return IDENTIFIER if audience == audience_for(issuer) else audience


def public_identifier(issuer: str, identifier: str) -> str:
    """The audience clients see for a stored identifier."""
    return audience_for(issuer) if identifier == IDENTIFIER else identifier


def resource_server(tenant_id: str) -> ResourceServer:
    """What the token endpoint issues Management API tokens for (no KV snapshot needed)."""
    return ResourceServer(
        tenant_id=tenant_id,
        id="api_management",
        identifier=IDENTIFIER,
        name=NAME,
        scopes=list(SCOPES),
        token_lifetime=TOKEN_LIFETIME,
    )
