"""Auth0 log events of the login flows: who (user, email), how (connection, client), from where."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from edgeauth import audit
from edgeauth.http.context import RequestContext
from edgeauth.snapshots import Client


async def record_user_event(
    ctx: RequestContext,
    request: Request,
    type_code: str,
    description: str = "",
    *,
    client: Client | None,
    client_id: str = "",
    connection: str = "",
    email: str = "",
    user_id: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    await audit.record(
        ctx.platform,
        ctx.tenant.id,
        type_code,
        description,
        details,
        client_id=client.client_id if client else client_id,
        client_name=client.name if client else "",
        user_id=user_id,
        user_name=email,
        connection=connection,
        **audit.request_fields(request, ctx.ip),
    )


async def record_for_user(
    ctx: RequestContext,
    request: Request,
    type_code: str,
    user: dict[str, Any],
    *,
    client: Client | None = None,
    client_id: str = "",
    connection: str = "",
) -> None:
    """An event about a known user (its id and email)."""
    await record_user_event(
        ctx,
        request,
        type_code,
        client=client,
        client_id=client_id,
        connection=connection,
        email=user.get("email") or "",
        user_id=user["user_id"],
    )
