"""Errors of `/dbconnections/*`: Auth0 answers `{name, code, description, statusCode}` there, and
auth0.js / auth0-python read `code` and `description`."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from edgeauth.http.errors import NO_STORE


class DatabaseError(Exception):
    def __init__(
        self, code: str, description: str | dict[str, Any], name: str = "BadRequestError", status: int = 400
    ) -> None:
        super().__init__(code)
        self.body: dict[str, Any] = {"name": name, "code": code, "description": description}
        self.status = status

    def response(self) -> JSONResponse:
        return JSONResponse({**self.body, "statusCode": self.status}, self.status, headers=NO_STORE)


def invalid_signup() -> DatabaseError:
    """Auth0's answer to a signup with an email that is taken (it does not say so)."""
    return DatabaseError("invalid_signup", "Invalid sign up")


def password_too_weak(min_length: int) -> DatabaseError:
    """Auth0's `PasswordStrengthError` with the policy's rules."""
    rule = {"message": "At least %d characters in length", "format": [min_length], "verified": False}
    error = DatabaseError("invalid_password", {"rules": [rule], "verified": False}, "PasswordStrengthError")
    error.body.update(message="Password is too weak", policy=f"* At least {min_length} characters in length")
    return error


def bad_parameter(name: str, description: str) -> DatabaseError:
    return DatabaseError(f"bad.{name}", description)
