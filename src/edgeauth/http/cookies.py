"""The cookies edgeauth sets: the SSO session and the login transaction binding.

The session cookie is `SameSite=None; Secure` so silent authentication in a cross-site iframe
works (contract B.1); browsers accept `Secure` cookies on `http://localhost` too.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "edgeauth_session"
TRANSACTION_COOKIE = "edgeauth_tx"
# The same binding for a provider that posts its answer cross-site (Apple's form_post): browsers
# send no `SameSite=Lax` cookie with a cross-site POST.
CROSS_SITE_TRANSACTION_COOKIE = "edgeauth_tx_cs"
SESSION_MAX_AGE = 7 * 86400


def set_session(response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE,
        path="/",
        secure=True,
        httponly=True,
        samesite="none",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="none")


def session_token(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


def set_transaction_binding(response: Response, value: str) -> None:
    """Lax: sent with the top-level POST of our own login form, never with cross-site ones."""
    response.set_cookie(
        TRANSACTION_COOKIE, value, max_age=3600, path="/", secure=True, httponly=True, samesite="lax"
    )


def set_cross_site_binding(response: Response, value: str) -> None:
    response.set_cookie(
        CROSS_SITE_TRANSACTION_COOKIE,
        value,
        max_age=3600,
        path="/login/callback",
        secure=True,
        httponly=True,
        samesite="none",
    )


def binding_cookie(request: Request) -> str:
    """The browser's transaction binding, from whichever cookie the request carried."""
    return request.cookies.get(TRANSACTION_COOKIE) or request.cookies.get(CROSS_SITE_TRANSACTION_COOKIE, "")
