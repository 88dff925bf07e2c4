"""APIs (Auth0 resource servers): the audiences access tokens are issued for."""

from __future__ import annotations

from typing import Any

from edgeauth import ids, management_api
from edgeauth.admin.clients import publish_client
from edgeauth.admin.errors import AdminError, bad_request, conflict, not_found
from edgeauth.admin.tenants import require_tenant
from edgeauth.mfa import audience as mfa_api
from edgeauth.platform import Platform
from edgeauth.rows import from_json_column, iso_now, to_json_column
from edgeauth.snapshots import MAX_API_IDENTIFIER_BYTES, TOKEN_DIALECTS, ResourceServer, api_key, store_api

DEFAULT_TOKEN_LIFETIME = 86400  # Auth0's default for an API: 24 h
MAX_TOKEN_LIFETIME = 2592000  # 30 days
# Auth0 resource-server switches kept in the `extra` column, with their defaults.
SWITCHES: dict[str, Any] = {
    "allow_offline_access": False,
    "skip_consent_for_verifiable_first_party_clients": True,
    "enforce_policies": False,
    "token_dialect": "access_token",
}
# Auth0 resource-server properties edgeauth does not act on: stored and returned as given (a null
# removes one), so the Terraform provider and the Deploy CLI read back what they wrote.
STORED = (
    "token_lifetime_for_web",
    "consent_policy",
    "authorization_details",
    "token_encryption",
    "proof_of_possession",
    "subject_type_authorization",
)
# Auth0's default for implicit-flow tokens: the API's lifetime, at most two hours.
WEB_LIFETIME_CAP = 7200
# An HS256 API signs its access tokens with its own secret (Auth0 `signing_secret`, at least 16
# characters, generated when not given); it is kept sealed with the deployment key, in D1 and KV.
SIGNING_SECRET = "signing_secret"
MIN_SIGNING_SECRET = 16


async def api_json(platform: Platform, row: dict[str, Any]) -> dict[str, Any]:
    """The Management API v2 resource-server shape (identifier as stored); an HS256 API's
    `signing_secret` unsealed, as Auth0 returns it."""
    system = bool(row["is_system"])
    scopes = [{"value": s, "description": s} for s in management_api.SCOPES] if system else None
    extra = from_json_column(row["extra"], {})
    sealed = extra.pop(SIGNING_SECRET, None)
    secret = {SIGNING_SECRET: (await platform.crypto.unseal(sealed)).decode()} if sealed else {}
    return {
        "id": row["id"],
        "name": row["name"],
        "identifier": row["identifier"],
        "scopes": scopes if system else from_json_column(row["scopes"], []),
        "token_lifetime": row["token_lifetime"],
        "token_lifetime_for_web": min(row["token_lifetime"], WEB_LIFETIME_CAP),
        "signing_alg": row["signing_alg"],
        "is_system": system,
        **SWITCHES,
        **extra,
        **secret,
    }


def api_scope_values(row: dict[str, Any]) -> list[str]:
    """The permissions an API defines; the system Management API's are built in."""
    if row["is_system"]:
        return list(management_api.SCOPES)
    return [s["value"] for s in from_json_column(row["scopes"], [])]


async def api_row(platform: Platform, tenant_id: str, identifier: str) -> dict[str, Any]:
    row = await platform.db.first(
        "SELECT * FROM resource_servers WHERE tenant_id = ? AND identifier = ?",
        tenant_id,
        identifier,
    )
    if row is None:
        raise not_found(f"Resource server {identifier} does not exist.", "inexistent_resource_server")
    return row


async def api_row_by_id(platform: Platform, tenant_id: str, id_or_identifier: str) -> dict[str, Any]:
    """Auth0's `/resource-servers/{id}` takes the id or the identifier."""
    row = await platform.db.first(
        "SELECT * FROM resource_servers WHERE tenant_id = ? AND (id = ? OR identifier = ?)",
        tenant_id,
        id_or_identifier,
        id_or_identifier,
    )
    if row is None:
        raise not_found("The resource server does not exist", "inexistent_resource_server")
    return row


def _scope_objects(scopes: list[dict[str, str]] | list[str]) -> list[dict[str, str]]:
    objects = [s if isinstance(s, dict) else {"value": s, "description": s} for s in scopes]
    unique = {
        s.get("value", ""): {"value": s.get("value", ""), "description": s.get("description", "")}
        for s in objects
    }
    if any(not value or " " in value for value in unique):
        raise bad_request("A scope value must be non-empty and contain no spaces.")
    return list(unique.values())


def _check_lifetime(token_lifetime: int) -> None:
    if not 0 < token_lifetime <= MAX_TOKEN_LIFETIME:
        raise bad_request(f"token_lifetime must be between 1 and {MAX_TOKEN_LIFETIME} seconds.")


def _switches(changes: dict[str, Any]) -> dict[str, Any]:
    """The switches and stored properties a body sets (a null stored property: `None`, removed)."""
    switches = {k: changes[k] for k in SWITCHES if changes.get(k) is not None}
    if switches.get("token_dialect", "access_token") not in TOKEN_DIALECTS:
        raise bad_request(f"token_dialect must be one of {', '.join(TOKEN_DIALECTS)}.")
    return {**switches, **{k: changes[k] for k in STORED if k in changes}}


async def _signing(
    platform: Platform, algorithm: str, extra: dict[str, Any], secret: str | None
) -> dict[str, Any]:
    """`extra` with the sealed signing secret an HS256 API needs (a given one, the one it has,
    or a new one); an RS256 API keeps none."""
    if algorithm != "HS256":
        return {k: v for k, v in extra.items() if k != SIGNING_SECRET}
    if secret is not None and len(secret) < MIN_SIGNING_SECRET:
        raise bad_request(f"signing_secret must be at least {MIN_SIGNING_SECRET} characters.")
    if secret is None and extra.get(SIGNING_SECRET):
        return extra
    secret = secret or ids.client_secret()
    return {**extra, SIGNING_SECRET: await platform.crypto.seal(secret.encode())}


def _without_nulls(extra: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extra.items() if v is not None}


async def publish_api(platform: Platform, tenant_id: str, row: dict[str, Any]) -> None:
    """Rewrite the API's KV snapshot from its D1 row (the system API needs none)."""
    if row["is_system"]:
        return
    switches = {**SWITCHES, **from_json_column(row["extra"], {})}
    await store_api(
        platform.config,
        ResourceServer(
            tenant_id=tenant_id,
            id=row["id"],
            identifier=row["identifier"],
            name=row["name"],
            scopes=api_scope_values(row),
            token_lifetime=row["token_lifetime"],
            enforce_policies=bool(switches["enforce_policies"]),
            token_dialect=switches["token_dialect"],
            allow_offline_access=bool(switches["allow_offline_access"]),
            signing_alg=row["signing_alg"],
            signing_secret=switches.get(SIGNING_SECRET, ""),
        ),
    )


async def create_api(
    platform: Platform,
    tenant_id: str,
    *,
    name: str,
    identifier: str,
    scopes: list[dict[str, str]] | list[str] | None = None,
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
    **options: Any,
) -> dict[str, Any]:
    """Auth0 `POST /resource-servers`; `options` are the `SWITCHES`."""
    await require_tenant(platform, tenant_id)
    if not identifier.strip() or not name.strip():
        raise bad_request("An API needs a name and an identifier.")
    if len(identifier.encode()) > MAX_API_IDENTIFIER_BYTES:
        raise bad_request(f"identifier must be at most {MAX_API_IDENTIFIER_BYTES} bytes.")
    if identifier in (management_api.IDENTIFIER, mfa_api.IDENTIFIER):
        raise conflict("That identifier is reserved for the tenant's own APIs.")
    _check_lifetime(token_lifetime)
    now = iso_now(platform.clock())
    algorithm = options.get("signing_alg") or "RS256"
    extra = await _signing(
        platform, algorithm, _without_nulls(_switches(options)), options.get(SIGNING_SECRET)
    )
    changed = await platform.db.run(
        "INSERT OR IGNORE INTO resource_servers (tenant_id, id, identifier, name, scopes, token_lifetime,"
        " signing_alg, created_at, updated_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tenant_id,
        ids.object_id("api"),
        identifier,
        name.strip(),
        to_json_column(_scope_objects(scopes or [])),
        token_lifetime,
        algorithm,
        now,
        now,
        to_json_column(extra),
    )
    if not changed:
        raise conflict(f"A resource server with identifier {identifier} already exists.")
    row = await api_row(platform, tenant_id, identifier)
    await publish_api(platform, tenant_id, row)
    return await api_json(platform, row)


async def list_apis(
    platform: Platform, tenant_id: str, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of APIs, oldest first, and how many there are."""
    rows = await platform.db.all(
        "SELECT * FROM resource_servers WHERE tenant_id = ? ORDER BY is_system DESC, created_at, id"
        " LIMIT ? OFFSET ?",
        tenant_id,
        limit,
        offset,
    )
    total = await platform.db.first(
        "SELECT COUNT(*) AS n FROM resource_servers WHERE tenant_id = ?", tenant_id
    )
    return [await api_json(platform, row) for row in rows], int(total["n"] if total else 0)


async def get_api(platform: Platform, tenant_id: str, id_or_identifier: str) -> dict[str, Any]:
    return await api_json(platform, await api_row_by_id(platform, tenant_id, id_or_identifier))


def _refuse_system(row: dict[str, Any]) -> None:
    if row["is_system"]:
        raise AdminError(403, "You cannot modify the Management API.", "operation_not_supported")


async def update_api(
    platform: Platform, tenant_id: str, id_or_identifier: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Auth0 `PATCH /resource-servers/{id}`: given fields replace; `identifier` never changes."""
    row = await api_row_by_id(platform, tenant_id, id_or_identifier)
    _refuse_system(row)
    name = (changes.get("name") or row["name"]).strip()
    scopes = row["scopes"]
    if changes.get("scopes") is not None:
        scopes = to_json_column(_scope_objects(changes["scopes"]))
    lifetime = changes.get("token_lifetime") or row["token_lifetime"]
    _check_lifetime(lifetime)
    extra = _without_nulls({**from_json_column(row["extra"], {}), **_switches(changes)})
    algorithm = changes.get("signing_alg") or row["signing_alg"]
    extra = await _signing(platform, algorithm, extra, changes.get(SIGNING_SECRET))
    await platform.db.run(
        "UPDATE resource_servers SET name = ?, scopes = ?, token_lifetime = ?, signing_alg = ?, extra = ?,"
        " updated_at = ? WHERE tenant_id = ? AND id = ?",
        name,
        scopes,
        lifetime,
        algorithm,
        to_json_column(extra),
        iso_now(platform.clock()),
        tenant_id,
        row["id"],
    )
    row = await api_row_by_id(platform, tenant_id, row["id"])
    await publish_api(platform, tenant_id, row)
    return await api_json(platform, row)


async def delete_api(platform: Platform, tenant_id: str, id_or_identifier: str) -> None:
    """Auth0 `DELETE /resource-servers/{id}`: its client grants go with it."""
    row = await api_row_by_id(platform, tenant_id, id_or_identifier)
    _refuse_system(row)
    grants = await platform.db.all(
        "SELECT client_id FROM client_grants WHERE tenant_id = ? AND audience = ?",
        tenant_id,
        row["identifier"],
    )
    await platform.db.batch(
        [
            (
                "DELETE FROM client_grants WHERE tenant_id = ? AND audience = ?",
                [tenant_id, row["identifier"]],
            ),
            (
                "DELETE FROM role_permissions WHERE tenant_id = ? AND resource_server_identifier = ?",
                [tenant_id, row["identifier"]],
            ),
            (
                "DELETE FROM user_permissions WHERE tenant_id = ? AND resource_server_identifier = ?",
                [tenant_id, row["identifier"]],
            ),
            ("DELETE FROM resource_servers WHERE tenant_id = ? AND id = ?", [tenant_id, row["id"]]),
        ]
    )
    await platform.config.delete(api_key(tenant_id, row["identifier"]))
    for grant in grants:
        await publish_client(platform, tenant_id, grant["client_id"])
