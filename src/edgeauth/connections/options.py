"""A connection's options in D1: the provider credentials in them are sealed with the deployment
key (AES-256-GCM) and never published to KV."""

from __future__ import annotations

from typing import Any

from edgeauth.platform import Platform
from edgeauth.rows import from_json_column

# Option keys that hold a credential of the upstream provider: sealed at rest, never in KV.
SECRET_OPTIONS = frozenset({"client_secret", "app_secret", "consumer_secret"})
SEALED = "$sealed"


async def seal_options(platform: Platform, options: dict[str, Any]) -> dict[str, Any]:
    """Credentials in `options` are sealed with the deployment key before they reach D1."""
    sealed = dict(options)
    for key in SECRET_OPTIONS.intersection(options):
        if isinstance(options[key], str):
            sealed[key] = {SEALED: await platform.crypto.seal(options[key].encode())}
    return sealed


async def unseal_options(platform: Platform, options: dict[str, Any]) -> dict[str, Any]:
    """The options as the Management API returns them (Auth0 returns `options.client_secret`)."""
    plain = dict(options)
    for key, value in options.items():
        if isinstance(value, dict) and set(value) == {SEALED}:
            plain[key] = (await platform.crypto.unseal(value[SEALED])).decode()
    return plain


async def connection_options(platform: Platform, tenant_id: str, name: str) -> dict[str, Any] | None:
    """A connection's options with its credentials unsealed (an upstream login's token exchange)."""
    row = await platform.db.first(
        "SELECT options FROM connections WHERE tenant_id = ? AND name = ?", tenant_id, name
    )
    return None if row is None else await unseal_options(platform, from_json_column(row["options"], {}))
