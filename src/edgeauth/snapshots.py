"""Configuration snapshots in KV: what the login/token path reads on almost every request.

D1 is the source of truth; the admin service layer rewrites a snapshot after each committed change
(docs/architecture.md, "Storage and consistency"). Every key is prefixed by its tenant id.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from edgeauth.config_store import ConfigStore
from edgeauth.mfa.factors import adaptive_mfa, requires_mfa
from edgeauth.ports import KeyValueStore


def tenant_key(tenant_id: str) -> str:
    return f"tenant:{tenant_id}"


def client_key(tenant_id: str, client_id: str) -> str:
    return f"client:{tenant_id}:{client_id}"


# KV keys are at most 512 bytes: an API identifier (the audience) may use 400 of them.
MAX_API_IDENTIFIER_BYTES = 400
# Client ids are 32 characters here (Auth0's shape); imported ones may be longer, not this long.
MAX_CLIENT_ID_BYTES = 128


def api_key(tenant_id: str, identifier: str) -> str:
    return f"api:{tenant_id}:{identifier}"


def keyset_key(tenant_id: str) -> str:
    return f"keys:{tenant_id}"


def domain_key(hostname: str) -> str:
    """Custom domain → tenant id (docs/security.md, "Hosts and origins")."""
    return f"domain:{hostname}"


async def get_json(kv: KeyValueStore, key: str) -> Any:
    raw = await kv.get(key)
    return None if raw is None else json.loads(raw)


async def put_json(kv: KeyValueStore, key: str, value: Any) -> None:
    await kv.put(key, json.dumps(value, separators=(",", ":")))


@dataclass(frozen=True)
class Tenant:
    id: str
    friendly_name: str
    default_audience: str = ""
    # Branding of the hosted pages (Auth0 `/branding`: `logo_url`, `colors.primary`,
    # `colors.page_background` when a plain colour, `favicon_url`, `font.url`).
    logo_url: str = ""
    primary_color: str = "#635dff"
    page_background: str = ""
    favicon_url: str = ""
    font_url: str = ""
    # Database connection password policy (Auth0 `password_complexity_options.min_length`).
    password_min_length: int = 8
    # `/v2/logout` without `client_id` may return to these (Auth0 tenant `allowed_logout_urls`).
    allowed_logout_urls: list[str] = field(default_factory=list)
    # Management API requests allowed per fixed window of `api_rate_window` seconds (429 beyond).
    api_rate_limit: int = 600
    api_rate_window: int = 60
    # Auth0 tenant `session_lifetime` / `idle_session_lifetime`, in hours (7 days / 3 days).
    session_lifetime: float = 168
    idle_session_lifetime: float = 72
    # Operator-only (`edgeauth tenants update --dev-mode on`): URLs this tenant configures may point
    # at loopback (local test providers); never at private or link-local addresses (outbound.py).
    dev_mode: bool = False
    # The languages the hosted pages and emails may speak, the first the default (Auth0 tenant
    # `enabled_locales`); empty: every shipped language, English first (edgeauth.locales).
    enabled_locales: list[str] = field(default_factory=list)
    # Custom text of the hosted pages by locale, screen and key (`edgeauth.prompt_text`, compiled).
    custom_text: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    # Auth0 prompts setting `identifier_first`: the email first, then the password or a connection.
    identifier_first: bool = False
    # Auth0's "Remember this browser" on the MFA screens: days a browser that passed MFA may skip
    # it (0: the choice is not offered).
    mfa_remember_days: int = 30
    # Auth0 prompts setting `webauthn_platform_first_factor`: passkeys on the login and signup pages.
    passkeys: bool = False
    # A page template or prompt partials are set (`load_page_look`, read by the hosted pages only).
    has_page_look: bool = False
    # Auth0 Guardian: the enabled factors (`/guardian/factors`) and the policies (`/guardian/policies`).
    mfa_factors: list[str] = field(default_factory=list)
    mfa_policies: list[str] = field(default_factory=list)

    @property
    def requires_mfa(self) -> bool:
        """Every login of this tenant ends with a second factor (edgeauth.mfa.factors)."""
        return requires_mfa(self.mfa_factors, self.mfa_policies)

    @property
    def adaptive_mfa(self) -> bool:
        """A login from a device its user has not used lately ends with a second factor (Auth0's
        Adaptive MFA, `durable_objects/user/known_devices.py`)."""
        return adaptive_mfa(self.mfa_factors, self.mfa_policies)

    @property
    def session_lifetimes(self) -> dict[str, int]:
        """Seconds a session lives from its login (`absolute`) and from its last use (`idle`)."""
        return {
            "absolute": int(self.session_lifetime * 3600),
            "idle": int(min(self.idle_session_lifetime, self.session_lifetime) * 3600),
        }


@dataclass(frozen=True)
class Client:
    """An application as the Authentication API sees it (no secret, only its SHA-256)."""

    tenant_id: str
    client_id: str
    name: str
    app_type: str
    client_secret_hash: str
    token_endpoint_auth_method: str
    grant_types: list[str] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)
    allowed_logout_urls: list[str] = field(default_factory=list)
    web_origins: list[str] = field(default_factory=list)
    # audience -> scopes granted by client grants (Auth0 client-grants)
    grants: dict[str, list[str]] = field(default_factory=dict)
    # Auth0 "Allowed Origins (CORS)" and "Cross-Origin Authentication" (`/co/authenticate`).
    allowed_origins: list[str] = field(default_factory=list)
    cross_origin_authentication: bool = False
    # Auth0 `cross_origin_loc`: where the app serves auth0.js `crossOriginVerification()`.
    cross_origin_loc: str = ""

    @property
    def is_confidential(self) -> bool:
        return self.token_endpoint_auth_method != "none"

    @property
    def cors_origins(self) -> list[str]:
        """Who may call the Authentication API from a browser: allowed web and CORS origins."""
        return [*self.web_origins, *self.allowed_origins]


# Auth0's access token profiles ("token dialects"): its own profile (`azp`, `typ: JWT`) and RFC 9068
# (`client_id`, `typ: at+jwt`); the `_authz` ones add the RBAC `permissions` claim.
TOKEN_DIALECTS = ("access_token", "access_token_authz", "rfc9068_profile", "rfc9068_profile_authz")
RFC9068_DIALECTS = frozenset({"rfc9068_profile", "rfc9068_profile_authz"})
AUTHZ_DIALECTS = frozenset({"access_token_authz", "rfc9068_profile_authz"})


@dataclass(frozen=True)
class ResourceServer:
    """An API (Auth0 resource server) that access tokens are issued for."""

    tenant_id: str
    id: str
    identifier: str
    name: str
    scopes: list[str] = field(default_factory=list)
    token_lifetime: int = 86400
    # RBAC (Auth0 `enforce_policies`): a user's token gets only the permissions the user holds;
    # `access_token_authz` also lists them in a `permissions` claim.
    enforce_policies: bool = False
    token_dialect: str = "access_token"
    allow_offline_access: bool = False
    # HS256 (Auth0): access tokens signed with the API's own secret, sealed with the deployment key.
    signing_alg: str = "RS256"
    signing_secret: str = ""


def parse_tenant(raw: str | None) -> Tenant | None:
    return None if raw is None else Tenant(**json.loads(raw))


def parse_client(raw: str | None) -> Client | None:
    return None if raw is None else Client(**json.loads(raw))


def parse_api(raw: str | None) -> ResourceServer | None:
    return None if raw is None else ResourceServer(**json.loads(raw))


async def load_tenant(kv: ConfigStore, tenant_id: str) -> Tenant | None:
    return await kv.snapshot(tenant_key(tenant_id), parse_tenant)


async def load_client(kv: ConfigStore, tenant_id: str, client_id: str) -> Client | None:
    if not 0 < len(client_id.encode()) <= MAX_CLIENT_ID_BYTES:
        return None  # no such client can exist; a longer KV key would be an error
    return await kv.snapshot(client_key(tenant_id, client_id), parse_client)


async def load_api(kv: ConfigStore, tenant_id: str, identifier: str) -> ResourceServer | None:
    if len(identifier.encode()) > MAX_API_IDENTIFIER_BYTES:
        return None  # no such API can exist; a longer KV key would be an error
    return await kv.snapshot(api_key(tenant_id, identifier), parse_api)


async def store_tenant(kv: ConfigStore, tenant: Tenant) -> None:
    await put_json(kv, tenant_key(tenant.id), asdict(tenant))


async def store_client(kv: ConfigStore, client: Client) -> None:
    await put_json(kv, client_key(client.tenant_id, client.client_id), asdict(client))


async def store_api(kv: ConfigStore, api: ResourceServer) -> None:
    await put_json(kv, api_key(api.tenant_id, api.identifier), asdict(api))


@dataclass(frozen=True)
class PageLook:
    """What a tenant changed of its hosted pages' HTML (read by those pages only): its page template
    (Auth0 `/branding/templates/universal-login`) and prompt partials, prompt → screen → insertion
    point → HTML (Auth0 `/prompts/{prompt}/partials`)."""

    template: str = ""
    partials: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)


def page_look_key(tenant_id: str) -> str:
    return f"page-look:{tenant_id}"


def parse_page_look(raw: str | None) -> PageLook | None:
    return None if raw is None else PageLook(**json.loads(raw))


async def load_page_look(kv: ConfigStore, tenant_id: str) -> PageLook | None:
    return await kv.snapshot(page_look_key(tenant_id), parse_page_look)


def connections_key(tenant_id: str) -> str:
    return f"connections:{tenant_id}"


@dataclass(frozen=True)
class Connection:
    """A connection as the hosted login page sees it: no secrets, only the options it may show."""

    name: str
    strategy: str
    display_name: str = ""
    enabled_clients: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)


def parse_connections(raw: str | None) -> list[Connection] | None:
    return None if raw is None else [Connection(**item) for item in json.loads(raw)]


async def load_connections(kv: ConfigStore, tenant_id: str) -> list[Connection] | None:
    """The tenant's connections (one KV read for the login page); `None` if never published (a
    tenant migrated from before 0003: `admin.connections.publish_connections` rebuilds it)."""
    return await kv.snapshot(connections_key(tenant_id), parse_connections)


async def store_connections(kv: ConfigStore, tenant_id: str, connections: list[Connection]) -> None:
    await put_json(kv, connections_key(tenant_id), [asdict(c) for c in connections])
