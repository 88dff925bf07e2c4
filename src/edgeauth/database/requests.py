"""What every `/dbconnections/*` request passes before its handler, one rule each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.connections import DATABASE_STRATEGY
from edgeauth.database.errors import DatabaseError, bad_parameter
from edgeauth.http.body import read_params, string_param
from edgeauth.http.context import RequestContext
from edgeauth.http.cors import allow_listed_origin
from edgeauth.http.errors import OAuthError
from edgeauth.login.connections import enabled_with_strategy
from edgeauth.snapshots import Client, load_client

Handler = Callable[[RequestContext, Request, Client, dict[str, Any]], Awaitable[Response]]


def check_required(params: dict[str, Any], names: tuple[str, ...]) -> None:
    """Auth0: `Missing required property: <name>`."""
    for name in names:
        if not string_param(params, name):
            raise bad_parameter(name, f"Missing required property: {name}")


async def check_client(ctx: RequestContext, params: dict[str, Any]) -> Client:
    client = await load_client(ctx.platform.config, ctx.tenant.id, string_param(params, "client_id"))
    if client is None:
        raise DatabaseError("invalid_client", "Unknown client.", "BadRequestError", 400)
    return client


async def check_database_connection(ctx: RequestContext, client: Client, name: str) -> None:
    """The connection must be a database connection enabled for the application."""
    if await enabled_with_strategy(ctx, client.client_id, name, DATABASE_STRATEGY) is None:
        raise bad_parameter("connection", "Connection does not exist or is not enabled for the client.")


async def database_request(
    ctx: RequestContext, request: Request, handler: Handler, required: tuple[str, ...]
) -> Response:
    """Run `handler` on a checked request; errors in Auth0's shape; CORS for the client's origins."""
    client: Client | None = None
    try:
        params = await read_params(request)
        check_required(params, ("client_id", *required))
        client = await check_client(ctx, params)
        await check_database_connection(ctx, client, params["connection"])
        response = await handler(ctx, request, client, params)
    except OAuthError as exc:
        response = DatabaseError(exc.error, exc.description, status=exc.status).response()
    except DatabaseError as exc:
        response = exc.response()
    return allow_listed_origin(request, response, client.cors_origins if client else [])
