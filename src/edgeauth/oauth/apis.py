"""Which API (Auth0 resource server) an `audience` names, as the Authentication API sees it."""

from __future__ import annotations

from edgeauth import management_api
from edgeauth.http.context import RequestContext
from edgeauth.mfa import audience as mfa_api
from edgeauth.snapshots import ResourceServer, load_api


async def find_api(ctx: RequestContext, audience: str) -> ResourceServer | None:
    """The tenant's Management API for `{issuer}api/v2/`, its MFA API for `{issuer}mfa/`, else the
    published resource server."""
    if mfa_api.names_mfa_api(ctx.issuer, audience):
        return mfa_api.resource_server(ctx.tenant.id)
    identifier = management_api.stored_identifier(ctx.issuer, audience)
    if identifier == management_api.IDENTIFIER:
        return management_api.resource_server(ctx.tenant.id)
    return await load_api(ctx.platform.config, ctx.tenant.id, identifier)
