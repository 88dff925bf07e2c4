"""Management API error bodies `{statusCode, error, message, errorCode}` for every failure."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from edgeauth.admin.errors import AdminError

ERROR_CODES = {
    401: "invalid_token",
    403: "insufficient_scope",
    404: "inexistent_resource",
    405: "method_not_allowed",
}


class ErrorBody(BaseModel):
    """Auth0's Management API error shape."""

    statusCode: int
    error: str
    message: str
    errorCode: str | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Invalid request body or query string."),
        (401, "Missing, invalid or expired token."),
        (403, "Insufficient scope."),
        (404, "Not found."),
        (409, "Conflict."),
        (429, "Too many requests."),
    )
}


async def admin_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AdminError)
    return JSONResponse(exc.to_json(), status_code=exc.status, headers=exc.headers)


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc[1:]) or str(loc[0])


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Auth0: 400 `Payload validation error: …` (`invalid_body`) or `invalid_query_string`."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "Invalid request"}
    where = first["loc"][0] if first["loc"] else "body"
    if where == "body":
        message = f"Payload validation error: '{first['msg']}' on property {_location(first['loc'])}."
        code = "invalid_body"
    else:
        message = f"Query validation error: '{first['msg']}' on property {_location(first['loc'])}."
        code = "invalid_query_string" if where == "query" else "invalid_uri"
    return JSONResponse(AdminError(400, message, code).to_json(), status_code=400)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = ERROR_CODES.get(exc.status_code, "invalid_request")
    message = "Not Found" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse(AdminError(exc.status_code, message, code).to_json(), status_code=exc.status_code)


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    """Never a stack trace in the answer: it goes to the server log (Workers: the tail log)."""
    traceback.print_exception(exc, file=sys.stderr)
    return JSONResponse(AdminError(500, "Internal error", "internal_error").to_json(), status_code=500)
