"""Applications (Auth0 clients): create and publish the snapshot the token endpoint reads."""

from __future__ import annotations

import hashlib
from typing import Any

from edgeauth import ids
from edgeauth.admin.errors import bad_request, not_found
from edgeauth.admin.rows import from_json_column, iso_now, to_json_column
from edgeauth.admin.tenants import require_tenant
from edgeauth.platform import Platform
from edgeauth.snapshots import Client, store_client

# Auth0 app types and the defaults the Auth0 dashboard gives each.
APP_TYPES = {
    "spa": ("spa", "none", ["authorization_code", "implicit", "refresh_token"]),
    "regular": (
        "regular_web",
        "client_secret_post",
        ["authorization_code", "implicit", "refresh_token", "client_credentials"],
    ),
    "native": ("native", "none", ["authorization_code", "implicit", "refresh_token"]),
    "m2m": ("non_interactive", "client_secret_post", ["client_credentials"]),
}
GRANT_TYPES = {
    "authorization_code",
    "implicit",
    "refresh_token",
    "client_credentials",
    "password",
    "http://auth0.com/oauth/grant-type/password-realm",
    "http://auth0.com/oauth/grant-type/passwordless/otp",
}


def secret_hash(secret: str) -> str:
    """SHA-256 is enough for a 384-bit random secret; no slow KDF on the token path."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _app_type(kind: str) -> tuple[str, str, list[str]]:
    by_auth0_name = {v[0]: v for v in APP_TYPES.values()}
    found = APP_TYPES.get(kind) or by_auth0_name.get(kind)
    if found is None:
        raise bad_request(f"Unknown app type {kind!r}: use spa, regular, native or m2m.")
    return found


def _client_json(row: dict[str, Any], secret: str | None) -> dict[str, Any]:
    """The Management API v2 client shape."""
    body = {
        "tenant": row["tenant_id"],
        "client_id": row["client_id"],
        "name": row["name"],
        "app_type": row["app_type"],
        "token_endpoint_auth_method": row["token_endpoint_auth_method"],
        "grant_types": from_json_column(row["grant_types"], []),
        "callbacks": from_json_column(row["callbacks"], []),
        "allowed_logout_urls": from_json_column(row["allowed_logout_urls"], []),
        "web_origins": from_json_column(row["web_origins"], []),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    if secret is not None:
        body["client_secret"] = secret
    return body


async def create_client(
    platform: Platform,
    tenant_id: str,
    *,
    name: str,
    app_type: str,
    callbacks: list[str] | None = None,
    allowed_logout_urls: list[str] | None = None,
    web_origins: list[str] | None = None,
    grant_types: list[str] | None = None,
) -> dict[str, Any]:
    """Create an application; the returned JSON holds the only plain copy of its secret."""
    await require_tenant(platform, tenant_id)
    if not name.strip():
        raise bad_request("Application name must not be empty.")
    auth0_type, auth_method, default_grants = _app_type(app_type)
    grants = grant_types or default_grants
    unknown = sorted(set(grants) - GRANT_TYPES)
    if unknown:
        raise bad_request(f"Unknown grant types: {', '.join(unknown)}.")
    client_id, secret, now = ids.client_id(), ids.client_secret(), iso_now(platform.clock())
    row = {
        "tenant_id": tenant_id,
        "client_id": client_id,
        "name": name.strip(),
        "app_type": auth0_type,
        "client_secret": await platform.crypto.seal(secret.encode()),
        "client_secret_hash": secret_hash(secret),
        "token_endpoint_auth_method": auth_method,
        "grant_types": to_json_column(grants),
        "callbacks": to_json_column(callbacks or []),
        "allowed_logout_urls": to_json_column(allowed_logout_urls or []),
        "web_origins": to_json_column(web_origins or []),
        "created_at": now,
        "updated_at": now,
    }
    columns = ", ".join(row)
    placeholders = ", ".join("?" for _ in row)
    await platform.db.run(
        f"INSERT INTO clients ({columns}) VALUES ({placeholders})",  # noqa: S608 (fixed column names)
        *row.values(),
    )
    await publish_client(platform, tenant_id, client_id)
    return _client_json(row, secret)


async def client_row(platform: Platform, tenant_id: str, client_id: str) -> dict[str, Any]:
    row = await platform.db.first(
        "SELECT * FROM clients WHERE tenant_id = ? AND client_id = ?", tenant_id, client_id
    )
    if row is None:
        raise not_found(f"Client {client_id} does not exist.", "inexistent_client")
    return row


async def publish_client(platform: Platform, tenant_id: str, client_id: str) -> Client:
    """Rewrite the client's KV snapshot (with its grants) from D1."""
    row = await client_row(platform, tenant_id, client_id)
    grants = await platform.db.all(
        "SELECT audience, scope FROM client_grants WHERE tenant_id = ? AND client_id = ?",
        tenant_id,
        client_id,
    )
    client = Client(
        tenant_id=tenant_id,
        client_id=client_id,
        name=row["name"],
        app_type=row["app_type"],
        client_secret_hash=row["client_secret_hash"],
        token_endpoint_auth_method=row["token_endpoint_auth_method"],
        grant_types=from_json_column(row["grant_types"], []),
        callbacks=from_json_column(row["callbacks"], []),
        allowed_logout_urls=from_json_column(row["allowed_logout_urls"], []),
        web_origins=from_json_column(row["web_origins"], []),
        grants={g["audience"]: from_json_column(g["scope"], []) for g in grants},
    )
    await store_client(platform.config, client)
    return client


async def set_client_urls(
    platform: Platform,
    tenant_id: str,
    client_id: str,
    *,
    callbacks: list[str],
    allowed_logout_urls: list[str],
    web_origins: list[str],
) -> dict[str, Any]:
    """Replace an application's allowed callback, logout and web origin URLs, then republish it."""
    await client_row(platform, tenant_id, client_id)
    await platform.db.run(
        "UPDATE clients SET callbacks = ?, allowed_logout_urls = ?, web_origins = ?, updated_at = ?"
        " WHERE tenant_id = ? AND client_id = ?",
        to_json_column(callbacks),
        to_json_column(allowed_logout_urls),
        to_json_column(web_origins),
        iso_now(platform.clock()),
        tenant_id,
        client_id,
    )
    await publish_client(platform, tenant_id, client_id)
    return _client_json(await client_row(platform, tenant_id, client_id), None)


async def find_clients_by_name(platform: Platform, tenant_id: str, name: str) -> list[dict]:
    rows = await platform.db.all(
        "SELECT * FROM clients WHERE tenant_id = ? AND name = ? ORDER BY created_at",
        tenant_id,
        name,
    )
    return [_client_json(row, None) for row in rows]


async def reveal_secret(platform: Platform, tenant_id: str, client_id: str) -> str:
    """The client secret, unsealed (Auth0 shows it in the dashboard and Management API)."""
    row = await client_row(platform, tenant_id, client_id)
    return (await platform.crypto.unseal(row["client_secret"])).decode()
