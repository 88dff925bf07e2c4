"""Tenants: create, settings and branding (Auth0 `/tenants/settings`, `/branding`), publish to KV,
and the deployment's default tenant (docs/security.md, "Hosts and origins")."""

from __future__ import annotations

import re
from typing import Any

from edgeauth import management_api
from edgeauth.admin import connections
from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.keys.keyset import load_keyset
from edgeauth.locales import shipped
from edgeauth.platform import Platform
from edgeauth.prompt_text import compile_custom_text
from edgeauth.redirect_urls import redirect_url_problem
from edgeauth.rows import from_json_column, iso_now, to_json_column
from edgeauth.snapshots import Tenant, domain_key, store_tenant

TENANT_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


async def _insert(platform: Platform, tenant_id: str, friendly_name: str) -> int:
    """The tenant row, its system API (the Management API) and database connection; idempotent."""
    now = iso_now(platform.clock())
    inserted = await platform.db.run(
        "INSERT OR IGNORE INTO tenants (id, friendly_name, settings, created_at, updated_at) "
        "VALUES (?, ?, '{}', ?, ?)",
        tenant_id,
        friendly_name,
        now,
        now,
    )
    await platform.db.run(
        "INSERT OR IGNORE INTO resource_servers (tenant_id, id, identifier, name, scopes,"
        " token_lifetime, signing_alg, created_at, updated_at, is_system)"
        " VALUES (?, 'api_management', ?, ?, '[]', ?, 'RS256', ?, ?, 1)",
        tenant_id,
        management_api.IDENTIFIER,
        management_api.NAME,
        management_api.TOKEN_LIFETIME,
        now,
        now,
    )
    await connections.ensure_database_connection(platform, tenant_id)
    return inserted


# Hosted-page branding values end up inside the page's <style>: only plain colours and URLs.
HEX_COLOR = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
PAGE_URL = r"^https?://[^\s\"'()<>\\]+$"
RATE_LIMIT_KEY = "management_api_rate_limit"
# Set by the operator's CLI only: the Management API's models do not accept it, GET does not show it.
DEV_MODE_KEY = "edgeauth_dev_mode"
# The tenant's custom domains (its canonical hosts besides `{tenant}.{BASE_DOMAIN}`); the KV map
# `domain:{hostname}` is what requests read.
CUSTOM_DOMAINS_KEY = "edgeauth_custom_domains"
# Custom text of the hosted pages as stored: `{prompt: {language: {screen: {name: text}}}}`.
PROMPT_TEXT_KEY = "edgeauth_prompt_text"
PROMPTS_KEY = "edgeauth_prompts"  # Auth0's `/prompts` settings (edgeauth.admin.prompt_settings)
PAGE_TEMPLATE_KEY = "edgeauth_page_template"  # edgeauth.admin.page_look
PARTIALS_KEY = "edgeauth_prompt_partials"  # edgeauth.admin.page_look
MFA_KEY = "edgeauth_mfa"  # Auth0's `/guardian/factors` and `/guardian/policies` (edgeauth.admin.guardian)
# What `GET /tenants/settings` shows for a setting never set (Auth0 defaults; `session_lifetime`
# in hours is the session cookie's 7 days). `enabled_locales` unset: every shipped language.
DEFAULT_SETTINGS: dict[str, Any] = {
    "picture_url": "",
    "support_email": "",
    "support_url": "",
    "default_audience": "",
    "default_directory": "",
    "allowed_logout_urls": [],
    "session_lifetime": 168,
    "idle_session_lifetime": 72,
    "flags": {},
    RATE_LIMIT_KEY: {"requests": Tenant.api_rate_limit, "window_seconds": Tenant.api_rate_window},
}
# Kept in the settings JSON but served elsewhere (`/branding`).
PRIVATE_SETTINGS = (
    "branding",
    DEV_MODE_KEY,
    CUSTOM_DOMAINS_KEY,
    PROMPT_TEXT_KEY,
    PROMPTS_KEY,
    PAGE_TEMPLATE_KEY,
    PARTIALS_KEY,
    MFA_KEY,
)


def replacing(current: Any, new: Any) -> Any:
    """The JSON Merge Patch that turns `current` into `new` (RFC 7396: `null` removes a member), so
    a replacement is one write."""
    if not isinstance(current, dict) or not isinstance(new, dict):
        return new
    patch: dict[str, Any] = {key: None for key in current if key not in new}
    patch.update({key: replacing(current.get(key), value) for key, value in new.items()})
    return patch


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON Merge Patch (RFC 7396 §2): objects merge recursively, `null` removes, the rest replaces."""
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            current = merged.get(key)
            merged[key] = merge_patch(current if isinstance(current, dict) else {}, value)
        else:
            merged[key] = value
    return merged


def _check_branding(branding: dict[str, Any]) -> None:
    """Colours must be hex and URLs plain http(s): they are written into the hosted page's CSS."""
    colors = branding.get("colors", {})
    for name in ("primary", "page_background"):
        if isinstance(colors.get(name), str) and not re.match(HEX_COLOR, colors[name]):
            raise bad_request(f"colors.{name} must be a hex colour such as #635dff.")
    urls = {"logo_url": branding.get("logo_url"), "favicon_url": branding.get("favicon_url")}
    urls["font.url"] = branding.get("font", {}).get("url")
    for name, url in urls.items():
        if url and not re.match(PAGE_URL, url):
            raise bad_request(f"{name} must be an http(s) URL.")


def _tenant_snapshot(row: dict[str, Any]) -> Tenant:
    """What the login/token path reads of a tenant row (its settings JSON flattened)."""
    settings = from_json_column(row["settings"], {})
    branding = settings.get("branding", {})
    colors = branding.get("colors", {})
    background = colors.get("page_background")
    rate_limit = settings.get(RATE_LIMIT_KEY, {})
    mfa = settings.get(MFA_KEY, {})
    return Tenant(
        id=row["id"],
        friendly_name=row["friendly_name"],
        default_audience=settings.get("default_audience", ""),
        logo_url=branding.get("logo_url", ""),
        primary_color=colors.get("primary", Tenant.primary_color),
        page_background=background if isinstance(background, str) else "",
        favicon_url=branding.get("favicon_url", ""),
        font_url=branding.get("font", {}).get("url", ""),
        allowed_logout_urls=list(settings.get("allowed_logout_urls", [])),
        password_min_length=int(
            settings.get("password_policy", {}).get("min_length", Tenant.password_min_length)
        ),
        api_rate_limit=int(rate_limit.get("requests", Tenant.api_rate_limit)),
        api_rate_window=int(rate_limit.get("window_seconds", Tenant.api_rate_window)),
        session_lifetime=float(settings.get("session_lifetime", Tenant.session_lifetime)),
        idle_session_lifetime=float(settings.get("idle_session_lifetime", Tenant.idle_session_lifetime)),
        dev_mode=bool(settings.get(DEV_MODE_KEY, False)),
        enabled_locales=list(settings.get("enabled_locales", [])),
        custom_text=compile_custom_text(settings.get(PROMPT_TEXT_KEY, {})),
        identifier_first=settings.get(PROMPTS_KEY, {}).get("identifier_first") is True,
        passkeys=settings.get(PROMPTS_KEY, {}).get("webauthn_platform_first_factor") is True,
        has_page_look=bool(settings.get(PAGE_TEMPLATE_KEY) or settings.get(PARTIALS_KEY)),
        mfa_factors=sorted(name for name, on in mfa.get("factors", {}).items() if on is True),
        mfa_policies=list(mfa.get("policies", [])),
        mfa_remember_days=int(mfa.get("remember_browser_days", Tenant.mfa_remember_days)),
    )


async def _tenant_row(platform: Platform, tenant_id: str) -> dict[str, Any]:
    row = await platform.db.first("SELECT * FROM tenants WHERE id = ?", tenant_id)
    if row is None:
        raise not_found(f"Tenant {tenant_id} does not exist.", "inexistent_tenant")
    return row


async def publish_tenant(platform: Platform, tenant_id: str) -> Tenant:
    """Rewrite the tenant's KV snapshot from D1 and make sure it has signing keys."""
    tenant = _tenant_snapshot(await _tenant_row(platform, tenant_id))
    await load_keyset(platform, tenant.id)
    await store_tenant(platform.config, tenant)
    return tenant


async def create_tenant(platform: Platform, tenant_id: str, friendly_name: str = "") -> Tenant:
    if not TENANT_ID.match(tenant_id):
        raise bad_request("Tenant id must be 1-63 lowercase letters, digits or hyphens.")
    if not await _insert(platform, tenant_id, friendly_name or tenant_id):
        raise conflict(f"Tenant {tenant_id} already exists.")
    return await publish_tenant(platform, tenant_id)


def settings_json(row: dict[str, Any]) -> dict[str, Any]:
    """Auth0 `GET /tenants/settings`: the stored settings over the defaults, branding left out."""
    stored = from_json_column(row["settings"], {})
    public = {k: v for k, v in stored.items() if k not in PRIVATE_SETTINGS}
    defaults = {**DEFAULT_SETTINGS, "enabled_locales": shipped()}
    return {**defaults, **public, "friendly_name": row["friendly_name"]}


async def get_settings(platform: Platform, tenant_id: str) -> dict[str, Any]:
    return settings_json(await _tenant_row(platform, tenant_id))


async def private_setting(platform: Platform, tenant_id: str, key: str, default: Any) -> Any:
    """A setting kept out of `GET /tenants/settings` (`PRIVATE_SETTINGS`)."""
    return from_json_column((await _tenant_row(platform, tenant_id))["settings"], {}).get(key, default)


LIFETIMES = ("session_lifetime", "idle_session_lifetime")


def in_hours(changes: dict[str, Any]) -> dict[str, Any]:
    """Session lifetimes given in minutes (`session_lifetime_in_minutes`, Auth0's other form of the
    same setting, which the Deploy CLI sends) as the hours they are stored in."""
    changes = dict(changes)
    for name in LIFETIMES:
        minutes = changes.pop(f"{name}_in_minutes", None)
        if minutes is not None:
            if changes.get(name) is not None:
                raise bad_request(f"Set {name} or {name}_in_minutes, not both.")
            changes[name] = minutes / 60
    return changes


async def update_settings(platform: Platform, tenant_id: str, changes: dict[str, Any]) -> Tenant:
    """Auth0 `PATCH /tenants/settings`: `changes` merged as a JSON Merge Patch (RFC 7396), the
    `friendly_name` into its column; D1 first, then the KV snapshot the login path reads."""
    row = await _tenant_row(platform, tenant_id)
    changes = in_hours(changes)
    friendly_name = changes.pop("friendly_name", None) or row["friendly_name"]
    settings = merge_patch(from_json_column(row["settings"], {}), changes)
    _check_branding(settings.get("branding", {}))
    for url in settings.get("allowed_logout_urls", []):
        if problem := redirect_url_problem(str(url)):
            raise bad_request(f"allowed_logout_urls: {url!r} {problem}.")
    await platform.db.run(
        "UPDATE tenants SET friendly_name = ?, settings = ?, updated_at = ? WHERE id = ?",
        friendly_name,
        to_json_column(settings),
        iso_now(platform.clock()),
        tenant_id,
    )
    return await publish_tenant(platform, tenant_id)


async def get_branding(platform: Platform, tenant_id: str) -> dict[str, Any]:
    """Auth0 `GET /branding`: only what was set."""
    row = await _tenant_row(platform, tenant_id)
    branding: dict[str, Any] = from_json_column(row["settings"], {}).get("branding", {})
    return branding


async def update_branding(platform: Platform, tenant_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Auth0 `PATCH /branding`; the hosted pages show it at once (the tenant snapshot)."""
    await update_settings(platform, tenant_id, {"branding": changes})
    return await get_branding(platform, tenant_id)


async def delete_branding(platform: Platform, tenant_id: str) -> None:
    """Auth0 `DELETE /branding`: back to the default look."""
    await update_settings(platform, tenant_id, {"branding": None})


async def ensure_default_tenant(platform: Platform) -> Tenant:
    """Created on the first start (CLI `serve`) or the first request of a deployment."""
    tenant_id = platform.settings.default_tenant
    await _insert(platform, tenant_id, tenant_id)
    return await publish_tenant(platform, tenant_id)


async def require_tenant(platform: Platform, tenant_id: str) -> None:
    await _tenant_row(platform, tenant_id)


async def list_tenant_ids(platform: Platform) -> list[str]:
    return [row["id"] for row in await platform.db.all("SELECT id FROM tenants ORDER BY id")]


async def add_custom_domain(platform: Platform, tenant_id: str, hostname: str) -> dict[str, str]:
    """Serve the tenant on another hostname too (its issuer there is `https://{hostname}/`);
    the KV map `domain:{hostname}` is what the Worker reads (docs/security.md, "Hosts and origins")."""
    name = hostname.strip().lower()
    if not name or "/" in name or ":" in name.strip("[]"):
        raise bad_request("The domain must be a hostname, without scheme, port or path.")
    owner = await platform.config.get(domain_key(name))
    if owner not in (None, tenant_id):
        raise conflict(f"The domain {name} is another tenant's.")
    domains = await private_setting(platform, tenant_id, CUSTOM_DOMAINS_KEY, [])
    if name not in domains:
        await update_settings(platform, tenant_id, {CUSTOM_DOMAINS_KEY: [*domains, name]})
    await platform.config.put(domain_key(name), tenant_id)
    return {"tenant": tenant_id, "domain": name}
