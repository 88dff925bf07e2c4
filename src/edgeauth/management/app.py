"""The Management API application: routers, error handlers, the OpenAPI document and its page."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from edgeauth.admin.errors import AdminError
from edgeauth.management import errors, reference
from edgeauth.management.api_logs import ApiOperationLogMiddleware
from edgeauth.management.json_guard import JsonGuardMiddleware
from edgeauth.management.rate_limit import RateLimitMiddleware
from edgeauth.management.routes import (
    client_grants,
    clients,
    connections,
    emails,
    guardian,
    jobs,
    keys,
    logs,
    prompts,
    resource_servers,
    roles,
    tenant_admin,
    tenants,
    unavailable,
    user_access,
    users,
)

ROUTERS = (
    users.router,
    jobs.router,
    user_access.router,
    clients.router,
    connections.router,
    resource_servers.router,
    client_grants.router,
    roles.router,
    keys.router,
    logs.router,
    tenants.router,
    emails.router,
    tenant_admin.router,
    prompts.router,
    guardian.router,
    unavailable.router,
)


def create_management_app() -> FastAPI:
    app = FastAPI(
        title="edgeauth Management API v2",
        version="2",
        summary="Auth0 Management API v2 compatible; Bearer tokens for `{issuer}api/v2/`.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=errors.ERROR_RESPONSES,
        exception_handlers={
            AdminError: errors.admin_error,
            RequestValidationError: errors.validation_error,
            HTTPException: errors.http_error,
            Exception: errors.server_error,
        },
    )
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(JsonGuardMiddleware)
    app.add_middleware(ApiOperationLogMiddleware)
    app.add_middleware(RateLimitMiddleware)

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    async def reference_page(request: Request) -> HTMLResponse:
        """The API reference, rendered on the server from the OpenAPI document (works offline)."""
        return HTMLResponse(reference.render(app.openapi(), request.scope.get("root_path", "")))

    return app
