"""Which connections an application may use (Auth0: a connection's `enabled_clients`)."""

from __future__ import annotations

from edgeauth.connections import EMAIL_STRATEGY, UPSTREAM_STRATEGIES
from edgeauth.http.context import RequestContext
from edgeauth.snapshots import Connection, load_connections


async def tenant_connections(ctx: RequestContext) -> list[Connection]:
    """The tenant's connections snapshot (published with the tenant and on every change)."""
    return await load_connections(ctx.platform.config, ctx.tenant.id) or []


async def enabled_connection(ctx: RequestContext, client_id: str, name: str) -> Connection | None:
    """The tenant's connection `name` when it is enabled for the client; else `None`."""
    found = next((c for c in await tenant_connections(ctx) if c.name == name), None)
    return found if found is not None and client_id in found.enabled_clients else None


async def enabled_with_strategy(
    ctx: RequestContext, client_id: str, name: str, strategy: str
) -> Connection | None:
    """`enabled_connection`, and only if it has this strategy (a realm of the right kind)."""
    found = await enabled_connection(ctx, client_id, name)
    return found if found is not None and found.strategy == strategy else None


async def email_connection_for(ctx: RequestContext, client_id: str) -> Connection | None:
    """The first passwordless `email` connection enabled for the client (the hosted page's)."""
    connections = await tenant_connections(ctx)
    return next(
        (c for c in connections if c.strategy == EMAIL_STRATEGY and client_id in c.enabled_clients), None
    )


async def upstream_connections_for(ctx: RequestContext, client_id: str) -> list[Connection]:
    """The enterprise and social connections enabled for the client (the hosted page's buttons)."""
    connections = await tenant_connections(ctx)
    return [c for c in connections if c.strategy in UPSTREAM_STRATEGIES and client_id in c.enabled_clients]


async def home_realm(ctx: RequestContext, client_id: str, email: str) -> Connection | None:
    """The enterprise connection enabled for the client whose `options.domain_aliases` name the
    email's domain (Auth0's home realm discovery on the identifier-first page)."""
    domain = email.rpartition("@")[2].lower()
    for connection in await upstream_connections_for(ctx, client_id):
        aliases = connection.options.get("domain_aliases")
        if UPSTREAM_STRATEGIES[connection.strategy].is_social or not isinstance(aliases, list):
            continue
        if domain in (str(alias).lower() for alias in aliases):
            return connection
    return None
