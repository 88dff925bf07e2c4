"""OAuth error responses: `{error, error_description}` (RFC 6749 §5.2; docs/auth0-contract.md, "Error
bodies")."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    def __init__(
        self,
        error: str,
        description: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}
        self.extra = extra or {}  # members beside the two (Auth0's `mfa_token`, `mfa_requirements`)

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, "error_description": self.description, **self.extra},
            status_code=self.status,
            headers={**NO_STORE, **self.headers},
        )


def invalid_request(description: str, status: int = 400) -> OAuthError:
    return OAuthError("invalid_request", description, status)


def invalid_grant(description: str) -> OAuthError:
    """Auth0 answers 403 `invalid_grant` (docs/auth0-contract.md, "Error bodies")."""
    return OAuthError("invalid_grant", description, 403)


def unauthorized_client(grant_type: str) -> OAuthError:
    """The client may not use this grant type (Auth0's text, 403)."""
    return OAuthError("unauthorized_client", f"Grant type '{grant_type}' not allowed for the client.", 403)


def access_denied(description: str) -> OAuthError:
    """Auth0 answers 403 `access_denied` for audience and scope refusals."""
    return OAuthError("access_denied", description, 403)


def challenge(scheme: str, **params: str) -> str:
    """A `WWW-Authenticate` challenge (RFC 9110 §11.6.1) with quoted auth-params."""
    quoted = ", ".join(
        f'{name}="{value.replace(chr(92), "").replace(chr(34), "")}"' for name, value in params.items()
    )
    return f"{scheme} {quoted}" if quoted else scheme
