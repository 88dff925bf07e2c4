"""Admin errors, shaped like Auth0 Management API v2 errors (`statusCode, error, message, errorCode`)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class AdminError(Exception):
    def __init__(
        self, status: int, message: str, error_code: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.headers = headers or {}

    def to_json(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "error": HTTPStatus(self.status).phrase,
            "message": self.message,
            "errorCode": self.error_code,
        }


def bad_request(message: str, error_code: str = "invalid_body") -> AdminError:
    return AdminError(400, message, error_code)


def not_found(message: str, error_code: str = "inexistent_resource") -> AdminError:
    return AdminError(404, message, error_code)


def conflict(message: str, error_code: str = "conflict") -> AdminError:
    return AdminError(409, message, error_code)
