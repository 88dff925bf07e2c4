"""Roles and permissions (Auth0 RBAC): what a user may do on an API that enforces policies.

A permission is `(resource_server_identifier, permission_name)` and must be a scope the API
defines. Users hold permissions through roles and directly; the token endpoint reads the union
(`edgeauth.permissions.permissions_for`) when it issues a token for an API with `enforce_policies`.
"""

from __future__ import annotations

from typing import Any

from edgeauth import ids
from edgeauth.admin import users
from edgeauth.admin.apis import api_row, api_scope_values
from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.rows import select_page
from edgeauth.permissions import USER_PERMISSIONS
from edgeauth.platform import Platform
from edgeauth.rows import from_json_column, iso_now

Permission = tuple[str, str]  # (resource_server_identifier, permission_name)


def _role_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "description": row["description"]}


async def role_row(platform: Platform, tenant_id: str, role_id: str) -> dict[str, Any]:
    row = await platform.db.first("SELECT * FROM roles WHERE tenant_id = ? AND id = ?", tenant_id, role_id)
    if row is None:
        raise not_found("The role does not exist.", "inexistent_role")
    return row


async def create_role(
    platform: Platform, tenant_id: str, *, name: str, description: str = ""
) -> dict[str, Any]:
    """Auth0 `POST /roles`: names are unique per tenant (409)."""
    now = iso_now(platform.clock())
    role_id = ids.object_id("rol")
    changed = await platform.db.run(
        "INSERT OR IGNORE INTO roles (tenant_id, id, name, description, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        tenant_id,
        role_id,
        name,
        description,
        now,
        now,
    )
    if not changed:
        raise conflict("Role name already exists.", "role_exists")
    return _role_json(await role_row(platform, tenant_id, role_id))


async def list_roles(
    platform: Platform, tenant_id: str, *, name_filter: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Auth0 `GET /roles`; `name_filter` matches names case-insensitively by substring."""
    pattern = "%" + name_filter.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = "tenant_id = ? AND name LIKE ? ESCAPE '\\'"
    rows = await platform.db.all(
        f"SELECT * FROM roles WHERE {where} ORDER BY name, id LIMIT ? OFFSET ?",  # noqa: S608 (fixed)
        tenant_id,
        pattern,
        limit,
        offset,
    )
    total = await platform.db.first(f"SELECT COUNT(*) AS n FROM roles WHERE {where}", tenant_id, pattern)  # noqa: S608
    return [_role_json(row) for row in rows], int(total["n"] if total else 0)


async def get_role(platform: Platform, tenant_id: str, role_id: str) -> dict[str, Any]:
    return _role_json(await role_row(platform, tenant_id, role_id))


async def update_role(
    platform: Platform, tenant_id: str, role_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Auth0 `PATCH /roles/{id}`: `name` and `description` replace."""
    row = await role_row(platform, tenant_id, role_id)
    name = changes.get("name") or row["name"]
    taken = await platform.db.first(
        "SELECT id FROM roles WHERE tenant_id = ? AND name = ? AND id != ?", tenant_id, name, role_id
    )
    if taken is not None:
        raise conflict("Role name already exists.", "role_exists")
    description = row["description"] if changes.get("description") is None else changes["description"]
    await platform.db.run(
        "UPDATE roles SET name = ?, description = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
        name,
        description,
        iso_now(platform.clock()),
        tenant_id,
        role_id,
    )
    return await get_role(platform, tenant_id, role_id)


async def delete_role(platform: Platform, tenant_id: str, role_id: str) -> None:
    """Auth0 `DELETE /roles/{id}`: its permissions and assignments go with it."""
    await role_row(platform, tenant_id, role_id)
    await platform.db.batch(
        [
            (f"DELETE FROM {table} WHERE tenant_id = ? AND role_id = ?", [tenant_id, role_id])  # noqa: S608
            for table in ("role_permissions", "user_roles")
        ]
        + [("DELETE FROM roles WHERE tenant_id = ? AND id = ?", [tenant_id, role_id])]
    )


async def checked_permissions(
    platform: Platform, tenant_id: str, permissions: list[dict[str, str]]
) -> list[Permission]:
    """Each permission must name an API of the tenant (404) and a scope it defines (400)."""
    checked: list[Permission] = []
    for permission in permissions:
        identifier, name = permission["resource_server_identifier"], permission["permission_name"]
        api = await api_row(platform, tenant_id, identifier)
        if name not in api_scope_values(api):
            raise bad_request(f"Permission {name} does not exist on resource server {identifier}.")
        checked.append((identifier, name))
    return list(dict.fromkeys(checked))


async def _permission_json(
    platform: Platform, tenant_id: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Auth0's permission shape, with the API's name and the scope's description."""
    apis: dict[str, dict[str, Any]] = {}
    found = []
    for row in rows:
        identifier = row["resource_server_identifier"]
        if identifier not in apis:
            apis[identifier] = await platform.db.first(
                "SELECT name, scopes FROM resource_servers WHERE tenant_id = ? AND identifier = ?",
                tenant_id,
                identifier,
            ) or {"name": identifier, "scopes": "[]"}
        descriptions = {
            s["value"]: s["description"] for s in from_json_column(apis[identifier]["scopes"], [])
        }
        found.append(
            {
                "resource_server_identifier": identifier,
                "permission_name": row["permission_name"],
                "resource_server_name": apis[identifier]["name"],
                "description": descriptions.get(row["permission_name"], ""),
            }
        )
    return found


async def role_permissions(
    platform: Platform, tenant_id: str, role_id: str, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    await role_row(platform, tenant_id, role_id)
    rows, total = await select_page(
        platform.db,
        "role_permissions",
        {"tenant_id": tenant_id, "role_id": role_id},
        "resource_server_identifier, permission_name",
        offset=offset,
        limit=limit,
    )
    return await _permission_json(platform, tenant_id, rows), total


async def _change_permissions(
    platform: Platform,
    table: str,
    owner: tuple[str, str],
    tenant_id: str,
    permissions: list[Permission],
    add: bool,
) -> None:
    """Insert (idempotent) or delete permission rows of a role or a user in one D1 batch."""
    column, owner_id = owner
    statement = (
        f"INSERT OR IGNORE INTO {table} (tenant_id, {column}, resource_server_identifier, permission_name)"  # noqa: S608
        " VALUES (?, ?, ?, ?)"
        if add
        else f"DELETE FROM {table} WHERE tenant_id = ? AND {column} = ?"  # noqa: S608
        " AND resource_server_identifier = ? AND permission_name = ?"
    )
    await platform.db.batch([(statement, [tenant_id, owner_id, *permission]) for permission in permissions])


async def change_role_permissions(
    platform: Platform, tenant_id: str, role_id: str, permissions: list[dict[str, str]], *, add: bool
) -> None:
    """Auth0 `POST`/`DELETE /roles/{id}/permissions`."""
    await role_row(platform, tenant_id, role_id)
    checked = await checked_permissions(platform, tenant_id, permissions)
    await _change_permissions(platform, "role_permissions", ("role_id", role_id), tenant_id, checked, add)


async def change_user_permissions(
    platform: Platform, tenant_id: str, user_id: str, permissions: list[dict[str, str]], *, add: bool
) -> None:
    """Auth0 `POST`/`DELETE /users/{id}/permissions` (direct permissions)."""
    await users.get_user(platform, tenant_id, user_id)
    checked = await checked_permissions(platform, tenant_id, permissions)
    await _change_permissions(platform, "user_permissions", ("user_id", user_id), tenant_id, checked, add)


async def assign_roles(
    platform: Platform, tenant_id: str, assignments: list[tuple[str, str]], *, add: bool = True
) -> None:
    """(user_id, role_id) pairs, all checked before any is written."""
    for user_id, role_id in dict.fromkeys(assignments):
        await users.get_user(platform, tenant_id, user_id)
        await role_row(platform, tenant_id, role_id)
    statement = (
        "INSERT OR IGNORE INTO user_roles (tenant_id, user_id, role_id) VALUES (?, ?, ?)"
        if add
        else "DELETE FROM user_roles WHERE tenant_id = ? AND user_id = ? AND role_id = ?"
    )
    await platform.db.batch([(statement, [tenant_id, u, r]) for u, r in dict.fromkeys(assignments)])


async def role_users(
    platform: Platform, tenant_id: str, role_id: str, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Auth0 `GET /roles/{id}/users`: `user_id`, `email`, `name`, `picture` from D1's user copy."""
    await role_row(platform, tenant_id, role_id)
    rows, total = await select_page(
        platform.db,
        "user_roles",
        {"tenant_id": tenant_id, "role_id": role_id},
        "user_id",
        offset=offset,
        limit=limit,
    )
    found = []
    for row in rows:
        synced = await platform.db.first(
            "SELECT profile FROM users WHERE tenant_id = ? AND user_id = ?", tenant_id, row["user_id"]
        )
        profile = from_json_column(synced["profile"] if synced else None, {})
        found.append(
            {
                "user_id": row["user_id"],
                **{k: profile[k] for k in ("email", "name", "picture") if k in profile},
            }
        )
    return found, total


async def user_roles(
    platform: Platform, tenant_id: str, user_id: str, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Auth0 `GET /users/{id}/roles`."""
    await users.get_user(platform, tenant_id, user_id)
    where = "r.tenant_id = ? AND ur.user_id = ?"
    join = "FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id"
    rows = await platform.db.all(
        f"SELECT r.* {join} WHERE {where} ORDER BY r.name LIMIT ? OFFSET ?",
        tenant_id,
        user_id,
        limit,
        offset,
    )
    total = await platform.db.first(f"SELECT COUNT(*) AS n {join} WHERE {where}", tenant_id, user_id)
    return [_role_json(row) for row in rows], int(total["n"] if total else 0)


async def user_permissions(
    platform: Platform, tenant_id: str, user_id: str, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Auth0 `GET /users/{id}/permissions`: direct and role permissions, each with its `sources`."""
    await users.get_user(platform, tenant_id, user_id)
    merged: dict[Permission, list[dict[str, str]]] = {}
    for row in await platform.db.all(USER_PERMISSIONS, tenant_id, user_id):
        source = {
            "source_id": row["source_id"],
            "source_name": row["source_name"],
            "source_type": row["source_type"],
        }
        merged.setdefault((row["resource_server_identifier"], row["permission_name"]), []).append(source)
    keys = list(merged)[offset : offset + limit]
    rows = [{"resource_server_identifier": i, "permission_name": n} for i, n in keys]
    described = await _permission_json(platform, tenant_id, rows)
    return [{**p, "sources": merged[key]} for p, key in zip(described, keys, strict=True)], len(merged)
