"""CORS for the browser SDKs (docs/auth0-contract.md, "CORS").

Preflights are answered for any origin (they grant nothing by themselves); an actual response
carries `Access-Control-Allow-Origin` only for an origin the client lists in its allowed web
origins, or `*` for public documents such as discovery and JWKS.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

ALLOWED_HEADERS = "Content-Type, Auth0-Client, DPoP"
# Endpoints that take a Bearer token (`/userinfo`): auth0.js sends it in `Authorization`.
BEARER_HEADERS = f"{ALLOWED_HEADERS}, Authorization"
ALLOWED_METHODS = "GET, POST, OPTIONS"


async def preflight(
    request: Request, allowed_headers: str = ALLOWED_HEADERS, allowed_methods: str = ALLOWED_METHODS
) -> Response:
    """`OPTIONS` on a CORS-enabled path."""
    origin = request.headers.get("origin")
    if not origin:
        return Response(status_code=204, headers={"Allow": allowed_methods})
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": allowed_methods,
            "Access-Control-Allow-Headers": allowed_headers,
            "Access-Control-Max-Age": "86400",
            "Vary": "Origin",
        },
    )


async def bearer_preflight(request: Request) -> Response:
    """`OPTIONS` of an endpoint called with `Authorization: Bearer …`; the actual response allows
    only the token's application's web origins."""
    return await preflight(request, BEARER_HEADERS)


async def bearer_delete_preflight(request: Request) -> Response:
    """`OPTIONS` of a resource a Bearer token deletes (`/mfa/authenticators/{id}`)."""
    return await preflight(request, BEARER_HEADERS, "DELETE, OPTIONS")


async def credentialed_preflight(request: Request) -> Response:
    """`OPTIONS` where the actual request is sent with cookies (`/co/authenticate`): the actual
    response still allows only the client's origins."""
    response = await preflight(request)
    if request.headers.get("origin"):
        response.headers["Access-Control-Allow-Credentials"] = "true"
    return response


def allow_listed_origin(request: Request, response: Response, allowed: list[str]) -> Response:
    """Echo the request's origin when the client allows it; never `*` for credentials."""
    origin = request.headers.get("origin")
    response.headers["Vary"] = "Origin"
    if origin and origin.rstrip("/") in {o.rstrip("/") for o in allowed}:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response
