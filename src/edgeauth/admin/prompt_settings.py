"""Auth0's Universal Login settings (`GET/PATCH /api/v2/prompts`): the experience (edgeauth's pages
are the new one), `identifier_first`, and `webauthn_platform_first_factor` (passkeys as a first
factor on the login and signup pages)."""

from __future__ import annotations

from typing import Any

from edgeauth.admin import tenants
from edgeauth.admin.errors import AdminError, bad_request
from edgeauth.platform import Platform

NAMES = ("universal_login_experience", "identifier_first", "webauthn_platform_first_factor")


async def get_prompt_settings(platform: Platform, tenant_id: str) -> dict[str, Any]:
    stored = await tenants.private_setting(platform, tenant_id, tenants.PROMPTS_KEY, {})
    return {
        "universal_login_experience": "new",
        "identifier_first": stored.get("identifier_first") is True,
        "webauthn_platform_first_factor": stored.get("webauthn_platform_first_factor") is True,
    }


def check_changes(changes: dict[str, Any]) -> None:
    """Auth0's schema (400); what edgeauth's pages cannot do is a 403, as on a plan without it."""
    unknown = sorted(set(changes) - set(NAMES))
    if unknown:
        raise bad_request(
            f"Payload validation error: 'Additional properties not allowed: {', '.join(unknown)}'."
        )
    experience = changes.get("universal_login_experience", "new")
    if experience not in ("new", "classic"):
        raise bad_request("Payload validation error: 'universal_login_experience' must be new or classic.")
    for name in ("identifier_first", "webauthn_platform_first_factor"):
        if not isinstance(changes.get(name, False), bool):
            raise bad_request(f"Payload validation error: '{name}' must be a boolean.")
    if experience == "classic":
        raise AdminError(
            403, "The Classic Universal Login experience is not available.", "feature_not_enabled"
        )


async def update_prompt_settings(
    platform: Platform, tenant_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Auth0 `PATCH /prompts`; the login page follows at once (the tenant's snapshot)."""
    check_changes(changes)
    switches = {name: changes[name] for name in NAMES[1:] if name in changes}
    if switches:
        await tenants.update_settings(platform, tenant_id, {tenants.PROMPTS_KEY: switches})
    return await get_prompt_settings(platform, tenant_id)
