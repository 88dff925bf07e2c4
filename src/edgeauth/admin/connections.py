"""Connections (Auth0 `/connections`): where users come from, and which applications may use them.

D1 is the source of truth; the tenant's connections are republished as one small KV snapshot
(`snapshots.Connection`, no secrets) for the hosted login page after each committed change.
"""

from __future__ import annotations

from typing import Any

from edgeauth import ids
from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.rows import Position, select_after, select_page
from edgeauth.admin.urls import check_configured_url
from edgeauth.connections import DATABASE_CONNECTION, DATABASE_STRATEGY, SUPPORTED_STRATEGIES
from edgeauth.connections.options import SECRET_OPTIONS, seal_options, unseal_options
from edgeauth.platform import Platform
from edgeauth.rows import from_json_column, iso_now, to_json_column
from edgeauth.snapshots import Connection, store_connections
from edgeauth.users.lazy_migration import upstream_origin

# Options holding a URL the server fetches or sends browsers to (checked by the outbound policy).
URL_OPTIONS = (
    "issuer",
    "discovery_url",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "emails_endpoint",
)


async def ensure_database_connection(platform: Platform, tenant_id: str) -> None:
    """Every tenant has Auth0's database connection from its creation (idempotent), then publish."""
    now = iso_now(platform.clock())
    await platform.db.run(
        "INSERT OR IGNORE INTO connections (tenant_id, id, name, strategy, options, realms, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, '{}', ?, ?, ?)",
        tenant_id,
        ids.object_id("con"),
        DATABASE_CONNECTION,
        DATABASE_STRATEGY,
        to_json_column([DATABASE_CONNECTION]),
        now,
        now,
    )
    await publish_connections(platform, tenant_id)


async def _check_urls(platform: Platform, tenant_id: str, options: dict[str, Any]) -> None:
    """Every URL option must pass the tenant's outbound policy (no SSRF through a connection)."""
    for key in URL_OPTIONS:
        if options.get(key):
            await check_configured_url(platform, tenant_id, f"options.{key}", str(options[key]))
    if options.get("upstream_domain"):  # lazy migration's upstream tenant
        origin = upstream_origin(str(options["upstream_domain"]))
        await check_configured_url(platform, tenant_id, "options.upstream_domain", f"{origin}/oauth/token")


def _public_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k not in SECRET_OPTIONS}


async def connection_row(platform: Platform, tenant_id: str, connection_id: str) -> dict[str, Any]:
    row = await platform.db.first(
        "SELECT * FROM connections WHERE tenant_id = ? AND id = ?", tenant_id, connection_id
    )
    if row is None:
        raise not_found("The connection does not exist", "inexistent_connection")
    return row


async def connection_named(platform: Platform, tenant_id: str, name: str) -> dict[str, Any]:
    row = await platform.db.first(
        "SELECT * FROM connections WHERE tenant_id = ? AND name = ?", tenant_id, name
    )
    if row is None:
        raise not_found(f"The connection {name} does not exist", "inexistent_connection")
    return row


async def _enabled_client_ids(platform: Platform, tenant_id: str) -> dict[str, list[str]]:
    """connection id → its enabled client ids, for the whole tenant in one query."""
    rows = await platform.db.all(
        "SELECT connection_id, client_id FROM connection_clients WHERE tenant_id = ?"
        " ORDER BY connection_id, client_id",
        tenant_id,
    )
    enabled: dict[str, list[str]] = {}
    for row in rows:
        enabled.setdefault(row["connection_id"], []).append(row["client_id"])
    return enabled


# Options a database connection reports when never set, as Auth0 does (the Deploy CLI writes them
# back on import): edgeauth always lets users change their own password.
DATABASE_OPTION_DEFAULTS = {"disable_self_service_change_password": False}


async def _connection_json(platform: Platform, row: dict[str, Any], enabled: list[str]) -> dict[str, Any]:
    """The Management API v2 connection shape."""
    options = await unseal_options(platform, from_json_column(row["options"], {}))
    if row["strategy"] == DATABASE_STRATEGY:
        options = {**DATABASE_OPTION_DEFAULTS, **options}
    body = {
        "id": row["id"],
        "name": row["name"],
        "strategy": row["strategy"],
        "options": options,
        "enabled_clients": enabled,
        "realms": from_json_column(row["realms"], []),
        "is_domain_connection": bool(row["is_domain_connection"]),
        "metadata": from_json_column(row["metadata"], {}),
    }
    if row["display_name"] is not None:
        body["display_name"] = row["display_name"]
    return body


async def _existing_clients(platform: Platform, tenant_id: str, client_ids: list[str]) -> None:
    """Every client id must name one of this tenant's applications."""
    if not client_ids:
        return
    marks = ", ".join("?" for _ in client_ids)
    rows = await platform.db.all(
        f"SELECT client_id FROM clients WHERE tenant_id = ? AND client_id IN ({marks})",  # noqa: S608
        tenant_id,
        *client_ids,
    )
    missing = sorted(set(client_ids) - {row["client_id"] for row in rows})
    if missing:
        raise bad_request(f"Clients do not exist: {', '.join(missing)}.", "inexistent_client")


def _enable_statement(tenant_id: str, connection_id: str, client_id: str) -> tuple[str, list[Any]]:
    return (
        "INSERT OR IGNORE INTO connection_clients (tenant_id, connection_id, client_id) VALUES (?, ?, ?)",
        [tenant_id, connection_id, client_id],
    )


def _disable_statement(tenant_id: str, connection_id: str, client_id: str) -> tuple[str, list[Any]]:
    return (
        "DELETE FROM connection_clients WHERE tenant_id = ? AND connection_id = ? AND client_id = ?",
        [tenant_id, connection_id, client_id],
    )


async def create_connection(
    platform: Platform,
    tenant_id: str,
    *,
    name: str,
    strategy: str,
    display_name: str | None = None,
    options: dict[str, Any] | None = None,
    enabled_clients: list[str] | None = None,
    realms: list[str] | None = None,
    is_domain_connection: bool = False,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Auth0 `POST /connections`: names are unique in a tenant (409)."""
    if strategy not in SUPPORTED_STRATEGIES:
        raise bad_request(
            f"The strategy {strategy!r} is not supported; use one of"
            f" {', '.join(sorted(SUPPORTED_STRATEGIES))}.",
            "invalid_body",
        )
    await _check_urls(platform, tenant_id, options or {})
    clients = list(dict.fromkeys(enabled_clients or []))
    await _existing_clients(platform, tenant_id, clients)
    connection_id, now = ids.object_id("con"), iso_now(platform.clock())
    changed = await platform.db.run(
        "INSERT OR IGNORE INTO connections (tenant_id, id, name, strategy, display_name, options,"
        " is_domain_connection, realms, metadata, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tenant_id,
        connection_id,
        name,
        strategy,
        display_name,
        to_json_column(await seal_options(platform, options or {})),
        int(is_domain_connection),
        to_json_column(realms or [name]),
        to_json_column(metadata or {}),
        now,
        now,
    )
    if not changed:
        raise conflict(f"A connection with the name {name} already exists.", "connection_exists")
    if clients:
        await platform.db.batch([_enable_statement(tenant_id, connection_id, c) for c in clients])
    await publish_connections(platform, tenant_id)
    return await get_connection(platform, tenant_id, connection_id)


async def _connections_json(
    platform: Platform, tenant_id: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    enabled = await _enabled_client_ids(platform, tenant_id)
    return [await _connection_json(platform, row, enabled.get(row["id"], [])) for row in rows]


async def list_connections(
    platform: Platform, tenant_id: str, *, offset: int, limit: int, strategies: list[str], name: str
) -> tuple[list[dict[str, Any]], int]:
    """One page of connections, oldest first, filtered by `strategy` (any of) and exact `name`."""
    filters = {"tenant_id": tenant_id, "strategy": strategies, "name": name}
    rows, total = await select_page(
        platform.db, "connections", filters, "created_at, id", offset=offset, limit=limit
    )
    return await _connections_json(platform, tenant_id, rows), total


async def connections_after(
    platform: Platform, tenant_id: str, after: Position | None, *, take: int, strategies: list[str], name: str
) -> tuple[list[dict[str, Any]], Position | None]:
    """The same list by checkpoint (`from`/`take`): connections after `after`, and the last one's
    position when more follow."""
    filters = {"tenant_id": tenant_id, "strategy": strategies, "name": name}
    rows, last = await select_after(platform.db, "connections", filters, after, take=take)
    return await _connections_json(platform, tenant_id, rows), last


async def get_connection(platform: Platform, tenant_id: str, connection_id: str) -> dict[str, Any]:
    row = await connection_row(platform, tenant_id, connection_id)
    enabled = await _enabled_client_ids(platform, tenant_id)
    return await _connection_json(platform, row, enabled.get(connection_id, []))


async def update_connection(
    platform: Platform, tenant_id: str, connection_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Auth0 `PATCH /connections/{id}`: given fields replace (all of `options` too); the name and
    strategy never change; `enabled_clients` replaces the set of enabled applications."""
    row = await connection_row(platform, tenant_id, connection_id)
    options = row["options"]
    if "options" in changes:
        await _check_urls(platform, tenant_id, changes["options"] or {})
        options = to_json_column(await seal_options(platform, changes["options"]))
    statements: list[tuple[str, list[Any]]] = [
        (
            "UPDATE connections SET display_name = ?, options = ?, is_domain_connection = ?, realms = ?,"
            " metadata = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
            [
                changes.get("display_name", row["display_name"]),
                options,
                int(changes.get("is_domain_connection", row["is_domain_connection"])),
                to_json_column(changes["realms"]) if "realms" in changes else row["realms"],
                to_json_column(changes["metadata"]) if "metadata" in changes else row["metadata"],
                iso_now(platform.clock()),
                tenant_id,
                connection_id,
            ],
        )
    ]
    if "enabled_clients" in changes:
        clients = list(dict.fromkeys(changes["enabled_clients"]))
        await _existing_clients(platform, tenant_id, clients)
        statements.append(
            (
                "DELETE FROM connection_clients WHERE tenant_id = ? AND connection_id = ?",
                [tenant_id, connection_id],
            )
        )
        statements += [_enable_statement(tenant_id, connection_id, c) for c in clients]
    await platform.db.batch(statements)
    await publish_connections(platform, tenant_id)
    return await get_connection(platform, tenant_id, connection_id)


async def delete_connection(platform: Platform, tenant_id: str, connection_id: str) -> None:
    """Auth0 `DELETE /connections/{id}` (its users stay in their Durable Objects)."""
    await connection_row(platform, tenant_id, connection_id)
    await platform.db.batch(
        [
            (
                "DELETE FROM connection_clients WHERE tenant_id = ? AND connection_id = ?",
                [tenant_id, connection_id],
            ),
            ("DELETE FROM connections WHERE tenant_id = ? AND id = ?", [tenant_id, connection_id]),
        ]
    )
    await publish_connections(platform, tenant_id)


async def list_enabled_clients(
    platform: Platform, tenant_id: str, connection_id: str, *, take: int, after: str
) -> tuple[list[str], str | None]:
    """Auth0 `GET /connections/{id}/clients`: checkpoint paging by client id; the cursor is the last
    id of the page, and there is none after the last page."""
    await connection_row(platform, tenant_id, connection_id)
    rows = await platform.db.all(
        "SELECT client_id FROM connection_clients WHERE tenant_id = ? AND connection_id = ?"
        " AND client_id > ? ORDER BY client_id LIMIT ?",
        tenant_id,
        connection_id,
        after,
        take + 1,
    )
    client_ids = [row["client_id"] for row in rows[:take]]
    return client_ids, client_ids[-1] if len(rows) > take else None


async def set_enabled_clients(
    platform: Platform, tenant_id: str, connection_id: str, statuses: dict[str, bool]
) -> None:
    """Auth0 `PATCH /connections/{id}/clients`: enable (`status: true`) or disable each client."""
    await connection_row(platform, tenant_id, connection_id)
    await _existing_clients(platform, tenant_id, [c for c, enabled in statuses.items() if enabled])
    await platform.db.batch(
        [
            (_enable_statement if enabled else _disable_statement)(tenant_id, connection_id, client_id)
            for client_id, enabled in statuses.items()
        ]
    )
    await publish_connections(platform, tenant_id)


async def links_for_new_client(
    platform: Platform, tenant_id: str, client_id: str
) -> list[tuple[str, list[Any]]]:
    """What enables every connection of the tenant for a new application (to run in the batch
    that creates it), unless the tenant flag `enable_client_connections` (Auth0, default on) is off."""
    tenant = await platform.db.first("SELECT settings FROM tenants WHERE id = ?", tenant_id)
    flags = from_json_column(tenant["settings"] if tenant else None, {}).get("flags", {})
    if not flags.get("enable_client_connections", True):
        return []
    link = (
        "INSERT OR IGNORE INTO connection_clients (tenant_id, connection_id, client_id)"
        " SELECT tenant_id, id, ? FROM connections WHERE tenant_id = ?"
    )
    return [(link, [client_id, tenant_id])]


async def publish_connections(platform: Platform, tenant_id: str) -> list[Connection]:
    """Rewrite the tenant's connections snapshot (no secrets) from D1."""
    rows = await platform.db.all(
        "SELECT * FROM connections WHERE tenant_id = ? ORDER BY created_at, id", tenant_id
    )
    enabled = await _enabled_client_ids(platform, tenant_id)
    snapshot = [
        Connection(
            name=row["name"],
            strategy=row["strategy"],
            display_name=row["display_name"] or "",
            enabled_clients=enabled.get(row["id"], []),
            options=_public_options(from_json_column(row["options"], {})),
        )
        for row in rows
    ]
    await store_connections(platform.config, tenant_id, snapshot)
    return snapshot
