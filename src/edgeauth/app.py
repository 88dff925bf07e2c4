"""The Starlette application: the same object runs under uvicorn and through the Workers bridge
(`edgeauth.runtime.cloudflare.asgi`).

Each runtime puts its `Platform` into `scope["edgeauth.platform"]` before calling it.
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from edgeauth.admin.errors import AdminError
from edgeauth.admin.tenants import ensure_default_tenant
from edgeauth.cross_origin.authenticate import co_authenticate
from edgeauth.cross_origin.verification import co_verify
from edgeauth.database.change_password import change_password, reset_page, reset_submit
from edgeauth.database.signup import signup
from edgeauth.database.verification import verify_email
from edgeauth.http.context import TenantMiddleware, request_context
from edgeauth.http.cors import bearer_delete_preflight, bearer_preflight, credentialed_preflight, preflight
from edgeauth.http.hot_paths import HotPaths
from edgeauth.http.lazy_app import LazyApp
from edgeauth.login.enrollment_ticket import enrollment_ticket_page, enrollment_ticket_submit
from edgeauth.login.forgot_password import forgot_page, forgot_submit
from edgeauth.login.identifier_first import identifier_submit
from edgeauth.login.logout import oidc_logout, v2_logout
from edgeauth.login.pages import login_page, login_submit, signup_page, signup_submit, upstream_page
from edgeauth.login.passkey_submit import passkey_code, passkey_submit
from edgeauth.login.second_factor_submit import second_factor_submit
from edgeauth.mfa import api as mfa_api
from edgeauth.oauth.authorize.endpoint import authorize
from edgeauth.oauth.discovery import discovery, jwks_document
from edgeauth.oauth.revocation import revoke
from edgeauth.oauth.token_endpoint import token
from edgeauth.oauth.userinfo import userinfo
from edgeauth.passwordless.pages import send_code, verify_code
from edgeauth.passwordless.start import passwordless_start
from edgeauth.passwordless.verify_redirect import verify_redirect
from edgeauth.upstream.callback import login_callback


async def home(request: Request) -> Response:
    ctx = request_context(request)
    return JSONResponse({"tenant": ctx.tenant.id, "issuer": ctx.issuer})


MANAGEMENT_PREFIX = "/api/v2"


async def http_error(request: Request, exc: Exception) -> Response:
    """404/405 as JSON, never an HTML page or a stack trace; in the Management API's shape for its
    paths (those the mount does not match, e.g. with a newline in a path segment)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if request.url.path.startswith(MANAGEMENT_PREFIX):
        error = AdminError(
            status, HTTPStatus(status).phrase, "inexistent_resource" if status == 404 else "invalid_request"
        )
        return JSONResponse(error.to_json(), status_code=status)
    body = {"error": "not_found" if status == 404 else "invalid_request", "error_description": ""}
    body["error_description"] = exc.detail if isinstance(exc, HTTPException) else "Error"
    return JSONResponse(body, status_code=status)


async def server_error(request: Request, exc: Exception) -> Response:
    """Unexpected failures: a generic OAuth `server_error`; details stay in the server log."""
    return JSONResponse(
        {"error": "server_error", "error_description": "The server encountered an error."},
        status_code=500,
    )


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/.well-known/openid-configuration", discovery, methods=["GET"]),
    Route("/.well-known/jwks.json", jwks_document, methods=["GET"]),
    Route("/authorize", authorize, methods=["GET"]),
    Route("/u/login", login_page, methods=["GET"]),
    Route("/u/login", login_submit, methods=["POST"]),
    Route("/u/login/identifier", identifier_submit, methods=["POST"]),
    Route("/u/mfa", second_factor_submit, methods=["POST"]),
    Route("/u/passkey", passkey_submit, methods=["POST"]),
    Route("/u/mfa-enrollment", enrollment_ticket_page, methods=["GET"]),
    Route("/u/mfa-enrollment", enrollment_ticket_submit, methods=["POST"]),
    Route("/u/passkey/code", passkey_code, methods=["POST"]),
    Route("/u/signup", signup_page, methods=["GET"]),
    Route("/u/signup", signup_submit, methods=["POST"]),
    Route("/u/login/upstream", upstream_page, methods=["GET"]),
    Route("/u/reset-password/request", forgot_page, methods=["GET"]),
    Route("/u/reset-password/request", forgot_submit, methods=["POST"]),
    Route("/login/callback", login_callback, methods=["GET", "POST"]),
    Route("/u/passwordless", send_code, methods=["POST"]),
    Route("/u/passwordless/verify", verify_code, methods=["POST"]),
    Route("/u/email-verification", verify_email, methods=["GET"]),
    Route("/lo/reset", reset_page, methods=["GET"]),
    Route("/lo/reset", reset_submit, methods=["POST"]),
    Route("/dbconnections/signup", signup, methods=["POST"]),
    Route("/dbconnections/change_password", change_password, methods=["POST"]),
    Route("/dbconnections/{action}", preflight, methods=["OPTIONS"]),
    Route("/passwordless/start", passwordless_start, methods=["POST"]),
    Route("/passwordless/start", preflight, methods=["OPTIONS"]),
    Route("/passwordless/verify_redirect", verify_redirect, methods=["GET"]),
    Route("/co/authenticate", co_authenticate, methods=["POST"]),
    Route("/co/authenticate", credentialed_preflight, methods=["OPTIONS"]),
    Route("/co/verify", co_verify, methods=["POST"]),
    Route("/oauth/token", token, methods=["POST"]),
    Route("/oauth/token", preflight, methods=["OPTIONS"]),
    Route("/oauth/revoke", revoke, methods=["POST"]),
    Route("/oauth/revoke", preflight, methods=["OPTIONS"]),
    Route("/mfa/authenticators", mfa_api.list_authenticators, methods=["GET"]),
    Route("/mfa/authenticators", bearer_preflight, methods=["OPTIONS"]),
    Route("/mfa/authenticators/{authenticator_id}", mfa_api.remove_authenticator, methods=["DELETE"]),
    Route("/mfa/authenticators/{authenticator_id}", bearer_delete_preflight, methods=["OPTIONS"]),
    Route("/mfa/associate", mfa_api.associate, methods=["POST"]),
    Route("/mfa/associate", bearer_preflight, methods=["OPTIONS"]),
    Route("/mfa/challenge", mfa_api.challenge, methods=["POST"]),
    Route("/mfa/challenge", preflight, methods=["OPTIONS"]),
    Route("/userinfo", userinfo, methods=["GET", "POST"]),
    Route("/userinfo", bearer_preflight, methods=["OPTIONS"]),
    Route("/v2/logout", v2_logout, methods=["GET"]),
    Route("/oidc/logout", oidc_logout, methods=["GET"]),
    Route("/.well-known/{document:path}", preflight, methods=["OPTIONS"]),
    Mount(MANAGEMENT_PREFIX, app=LazyApp("edgeauth.management.app:create_management_app")),
]


# Dispatched by exact path before the router (edgeauth.http.hot_paths); also in ROUTES, which
# serves their HEAD requests and documents the whole surface.
HOT_PATHS = {
    ("POST", "/oauth/token"): token,
    ("GET", "/.well-known/openid-configuration"): discovery,
    ("GET", "/.well-known/jwks.json"): jwks_document,
}


def create_app() -> Starlette:
    return Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(TenantMiddleware, create_default=ensure_default_tenant),
            Middleware(HotPaths, routes=HOT_PATHS),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
