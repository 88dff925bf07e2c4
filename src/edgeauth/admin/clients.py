"""Applications (Auth0 clients): CRUD, and the KV snapshot the Authentication API reads."""

from __future__ import annotations

import hashlib
from typing import Any

from edgeauth import ids
from edgeauth.admin import connections
from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.rows import select_page
from edgeauth.admin.tenants import require_tenant
from edgeauth.platform import Platform
from edgeauth.redirect_urls import origin_problem, redirect_url_problem
from edgeauth.rows import from_json_column, iso_now, to_json_column
from edgeauth.snapshots import Client, client_key, store_client

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
# Every grant type Auth0 lets a client list. The token endpoint serves the first seven
# (`oauth/token_endpoint.GRANTS`); the others are stored as given (tools set them) and a request
# using one is `unsupported_grant_type` until it exists here.
GRANT_TYPES = {
    "authorization_code",
    "implicit",
    "refresh_token",
    "client_credentials",
    "password",
    "http://auth0.com/oauth/grant-type/password-realm",
    "http://auth0.com/oauth/grant-type/passwordless/otp",
    "http://auth0.com/oauth/grant-type/mfa-oob",
    "http://auth0.com/oauth/grant-type/mfa-otp",
    "http://auth0.com/oauth/grant-type/mfa-recovery-code",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:openid:params:grant-type:ciba",
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


# Auth0 client properties the Authentication API does not read, with the defaults Auth0 returns;
# kept in the `extra` column so PATCH and GET round-trip them.
DEFAULTS: dict[str, Any] = {
    "is_first_party": True,
    "oidc_conformant": True,
    "sso_disabled": False,
    "cross_origin_authentication": False,
    "custom_login_page_on": True,
    "allowed_origins": [],
    "client_aliases": [],
    "client_metadata": {},
    "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": False},
}
# What the Authentication API reads: real columns, published in the KV snapshot.
LIST_COLUMNS = ("grant_types", "callbacks", "allowed_logout_urls", "web_origins")
COLUMNS = ("name", "app_type", "token_endpoint_auth_method", *LIST_COLUMNS)
AUTH_METHODS = ("none", "client_secret_post", "client_secret_basic")


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A D1 row with its JSON columns parsed."""
    values = {key: row[key] for key in ("tenant_id", "client_id", *COLUMNS, "created_at", "updated_at")}
    values.update({key: from_json_column(row[key], []) for key in LIST_COLUMNS})
    values["extra"] = from_json_column(row["extra"], {})
    return values


def _apply(values: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Given fields replace; in `client_metadata` keys merge and a null removes one (Auth0)."""
    updated, extra = dict(values), dict(values["extra"])
    for key, value in changes.items():
        if key in COLUMNS:
            if value is None:
                raise bad_request(f"{key} must not be null.")
            updated[key] = value
        elif key == "client_metadata" and isinstance(value, dict):
            merged = {**extra.get("client_metadata", {}), **value}
            extra[key] = {k: v for k, v in merged.items() if v is not None}
        elif value is None:
            extra.pop(key, None)
        else:
            extra[key] = value
    updated["extra"] = extra
    return _checked(updated)


def _cross_origin_loc(value: Any) -> str:
    """Auth0 `cross_origin_loc`: the app's page that runs `crossOriginVerification()` (the fallback
    when third-party cookies are blocked); only an acceptable URL is published."""
    return value if isinstance(value, str) and not redirect_url_problem(value) else ""


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    if not values["name"].strip():
        raise bad_request("Application name must not be empty.")
    values["name"] = values["name"].strip()
    values["app_type"] = _app_type(values["app_type"])[0]
    if values["token_endpoint_auth_method"] not in AUTH_METHODS:
        raise bad_request(f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}.")
    unknown = sorted(set(values["grant_types"]) - GRANT_TYPES)
    if unknown:
        raise bad_request(f"Unknown grant types: {', '.join(unknown)}.")
    native = values["app_type"] == "native"
    for field in ("callbacks", "allowed_logout_urls"):
        for url in values[field]:
            if problem := redirect_url_problem(url, native=native):
                raise bad_request(f"{field}: {url!r} {problem}.")
    for origin in values["web_origins"]:
        if problem := origin_problem(origin):
            raise bad_request(f"web_origins: {origin!r} {problem}.")
    return values


def _client_json(values: dict[str, Any], secret: str | None) -> dict[str, Any]:
    """The Management API v2 client shape; the secret only when the caller may see it. No
    timestamps: Auth0's clients have none, and the Deploy CLI sends back what it read."""
    body = {
        "tenant": values["tenant_id"],
        "global": False,
        "client_id": values["client_id"],
        **DEFAULTS,
        **values["extra"],
        **{key: values[key] for key in COLUMNS},
    }
    if secret is not None:
        body["client_secret"] = secret
    return body


async def _secret_of(platform: Platform, row: dict[str, Any], reveal: bool) -> str | None:
    return (await platform.crypto.unseal(row["client_secret"])).decode() if reveal else None


async def create_client(
    platform: Platform,
    tenant_id: str,
    *,
    name: str,
    app_type: str = "regular_web",
    client_id: str | None = None,
    client_secret: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Auth0 `POST /clients`: defaults by app type; the answer holds the new secret; every
    connection of the tenant is enabled for it (Auth0 `flags.enable_client_connections`). A
    `client_id` and `client_secret` are kept when given (a tenant copied from Auth0, whose apps
    must keep theirs); another client of the tenant with that id is a 409."""
    await require_tenant(platform, tenant_id)
    auth0_type, auth_method, default_grants = _app_type(app_type)
    client_id, secret = client_id or ids.client_id(), client_secret or ids.client_secret()
    now = iso_now(platform.clock())
    if await platform.db.first(
        "SELECT 1 FROM clients WHERE tenant_id = ? AND client_id = ?", tenant_id, client_id
    ):
        raise conflict(f"A client with client_id {client_id} already exists.")
    base = {
        "tenant_id": tenant_id,
        "client_id": client_id,
        "name": name,
        "app_type": auth0_type,
        "token_endpoint_auth_method": auth_method,
        "grant_types": default_grants,
        "callbacks": [],
        "allowed_logout_urls": [],
        "web_origins": [],
        "created_at": now,
        "updated_at": now,
        "extra": {},
    }
    values = _apply(base, {k: v for k, v in fields.items() if v is not None})
    row = {
        **values,
        **{key: to_json_column(values[key]) for key in (*LIST_COLUMNS, "extra")},
        "client_secret": await platform.crypto.seal(secret.encode()),
        "client_secret_hash": secret_hash(secret),
    }
    columns = ", ".join(row)
    placeholders = ", ".join("?" for _ in row)
    insert = f"INSERT INTO clients ({columns}) VALUES ({placeholders})"  # noqa: S608 (fixed column names)
    links = await connections.links_for_new_client(platform, tenant_id, client_id)
    await platform.db.batch([(insert, list(row.values())), *links])
    await connections.publish_connections(platform, tenant_id)
    await publish_client(platform, tenant_id, client_id)
    return _client_json(values, secret)


async def client_row(platform: Platform, tenant_id: str, client_id: str) -> dict[str, Any]:
    row = await platform.db.first(
        "SELECT * FROM clients WHERE tenant_id = ? AND client_id = ?", tenant_id, client_id
    )
    if row is None:
        raise not_found("The client does not exist", "inexistent_client")
    return row


async def publish_client(platform: Platform, tenant_id: str, client_id: str) -> Client:
    """Rewrite the client's KV snapshot (with its grants) from D1."""
    row = await client_row(platform, tenant_id, client_id)
    values = _decoded(row)
    grants = await platform.db.all(
        "SELECT audience, scope FROM client_grants WHERE tenant_id = ? AND client_id = ?",
        tenant_id,
        client_id,
    )
    client = Client(
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret_hash=row["client_secret_hash"],
        grants={g["audience"]: from_json_column(g["scope"], []) for g in grants},
        allowed_origins=list(values["extra"].get("allowed_origins") or []),
        cross_origin_authentication=bool(values["extra"].get("cross_origin_authentication")),
        cross_origin_loc=_cross_origin_loc(values["extra"].get("cross_origin_loc")),
        **{key: values[key] for key in COLUMNS},
    )
    await store_client(platform.config, client)
    return client


async def list_clients(
    platform: Platform, tenant_id: str, *, offset: int, limit: int, app_types: list[str], reveal: bool
) -> tuple[list[dict[str, Any]], int]:
    """Auth0 `GET /clients`: one page, oldest first, optionally of some app types only."""
    filters = {"tenant_id": tenant_id, "app_type": app_types}
    rows, total = await select_page(
        platform.db, "clients", filters, "created_at, client_id", offset=offset, limit=limit
    )
    items = [_client_json(_decoded(row), await _secret_of(platform, row, reveal)) for row in rows]
    return items, total


async def get_client(platform: Platform, tenant_id: str, client_id: str, *, reveal: bool) -> dict[str, Any]:
    """Auth0 `GET /clients/{id}`; `client_secret` only for `read:client_keys` (`reveal`)."""
    row = await client_row(platform, tenant_id, client_id)
    return _client_json(_decoded(row), await _secret_of(platform, row, reveal))


async def update_client(
    platform: Platform, tenant_id: str, client_id: str, changes: dict[str, Any], *, reveal: bool = False
) -> dict[str, Any]:
    """Auth0 `PATCH /clients/{id}`, then republish: a new callback works on `/authorize` at once."""
    values = _apply(_decoded(await client_row(platform, tenant_id, client_id)), changes)
    await platform.db.run(
        "UPDATE clients SET name = ?, app_type = ?, token_endpoint_auth_method = ?, grant_types = ?,"
        " callbacks = ?, allowed_logout_urls = ?, web_origins = ?, extra = ?, updated_at = ?"
        " WHERE tenant_id = ? AND client_id = ?",
        values["name"],
        values["app_type"],
        values["token_endpoint_auth_method"],
        *(to_json_column(values[key]) for key in (*LIST_COLUMNS, "extra")),
        iso_now(platform.clock()),
        tenant_id,
        client_id,
    )
    await publish_client(platform, tenant_id, client_id)
    return await get_client(platform, tenant_id, client_id, reveal=reveal)


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
    urls = {"callbacks": callbacks, "allowed_logout_urls": allowed_logout_urls, "web_origins": web_origins}
    return await update_client(platform, tenant_id, client_id, urls)


async def rotate_secret(platform: Platform, tenant_id: str, client_id: str) -> dict[str, Any]:
    """Auth0 `POST /clients/{id}/rotate-secret`: the old secret stops working at once."""
    await client_row(platform, tenant_id, client_id)
    secret = ids.client_secret()
    await platform.db.run(
        "UPDATE clients SET client_secret = ?, client_secret_hash = ?, updated_at = ?"
        " WHERE tenant_id = ? AND client_id = ?",
        await platform.crypto.seal(secret.encode()),
        secret_hash(secret),
        iso_now(platform.clock()),
        tenant_id,
        client_id,
    )
    await publish_client(platform, tenant_id, client_id)
    return _client_json(_decoded(await client_row(platform, tenant_id, client_id)), secret)


async def delete_client(platform: Platform, tenant_id: str, client_id: str) -> None:
    """Auth0 `DELETE /clients/{id}`: its grants and connection links go with it, and its snapshot."""
    await client_row(platform, tenant_id, client_id)
    await platform.db.batch(
        [
            (f"DELETE FROM {table} WHERE tenant_id = ? AND client_id = ?", [tenant_id, client_id])  # noqa: S608
            for table in ("client_grants", "connection_clients", "clients")
        ]
    )
    await platform.config.delete(client_key(tenant_id, client_id))
    await connections.publish_connections(platform, tenant_id)


async def find_clients_by_name(platform: Platform, tenant_id: str, name: str) -> list[dict[str, Any]]:
    rows = await platform.db.all(
        "SELECT * FROM clients WHERE tenant_id = ? AND name = ? ORDER BY created_at",
        tenant_id,
        name,
    )
    return [_client_json(_decoded(row), None) for row in rows]


async def reveal_secret(platform: Platform, tenant_id: str, client_id: str) -> str:
    """The client secret, unsealed (Auth0 shows it in the dashboard and Management API)."""
    row = await client_row(platform, tenant_id, client_id)
    return (await platform.crypto.unseal(row["client_secret"])).decode()
