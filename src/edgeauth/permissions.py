"""The permissions a user holds on an API (Auth0 RBAC), directly and through roles: what the token
endpoint reads for an API that enforces policies, and what `/users/{id}/permissions` lists."""

from __future__ import annotations

from edgeauth.platform import Platform

USER_PERMISSIONS = """
SELECT resource_server_identifier, permission_name,
       'DIRECT' AS source_type, '' AS source_id, '' AS source_name
FROM user_permissions WHERE tenant_id = ?1 AND user_id = ?2
UNION ALL
SELECT rp.resource_server_identifier, rp.permission_name, 'ROLE', r.id, r.name
FROM user_roles ur
JOIN role_permissions rp ON rp.tenant_id = ur.tenant_id AND rp.role_id = ur.role_id
JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
WHERE ur.tenant_id = ?1 AND ur.user_id = ?2
ORDER BY 1, 2
"""


async def permissions_for(platform: Platform, tenant_id: str, user_id: str, identifier: str) -> list[str]:
    """The permission names a user holds on one API, directly or through roles (token path)."""
    rows = await platform.db.all(USER_PERMISSIONS, tenant_id, user_id)
    return list(
        dict.fromkeys(r["permission_name"] for r in rows if r["resource_server_identifier"] == identifier)
    )
