"""The cookies edgeauth sets: the SSO session and the login transaction binding.

On https (every deployment on Cloudflare) the session cookie is `SameSite=None; Secure`, so silent
authentication in a cross-site iframe works (docs/auth0-contract.md, "Silent authentication"). On plain
http (the local runtime) no
cookie is `Secure` — `http.cookiejar` (requests, httpx, authlib) and Safari never send a Secure
cookie over http — and the session cookie is `SameSite=Lax`, since browsers refuse `SameSite=None`
without `Secure`: silent authentication then works for apps on the same site (another port of
localhost), not across sites (docs/decisions.md "Cookies on http").
"""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.users.opaque import tokens_in

SESSION_COOKIE = "edgeauth_session"
TRANSACTION_COOKIE = "edgeauth_tx"
# A browser that passed MFA and asked to be remembered (durable_objects/user/remembered.py).
REMEMBERED_BROWSER_COOKIE = "edgeauth_mfa_browser"
# The browser's device tokens for Adaptive MFA (durable_objects/user/known_devices.py).
DEVICE_COOKIE = "edgeauth_device"
DEVICE_MAX_AGE = 400 * 86400  # the longest browsers keep a cookie (RFC 6265bis)
# The same binding for a provider that posts its answer cross-site (Apple's form_post): browsers
# send no `SameSite=Lax` cookie with a cross-site POST.
CROSS_SITE_TRANSACTION_COOKIE = "edgeauth_tx_cs"
TRANSACTION_MAX_AGE = 3600


def _cross_site(secure: bool) -> Literal["none", "lax"]:
    """`SameSite=None` needs `Secure`; without https the best a cookie can be is Lax."""
    return "none" if secure else "lax"


def _set_httponly(
    response: Response,
    name: str,
    value: str,
    *,
    max_age: int,
    secure: bool,
    samesite: Literal["none", "lax"],
    path: str = "/",
) -> None:
    """Every cookie edgeauth sets is HttpOnly: no page script, ours or a tenant's, reads it."""
    response.set_cookie(
        name, value, max_age=max_age, path=path, secure=secure, httponly=True, samesite=samesite
    )


def set_session(response: Response, token: str, *, secure: bool, max_age: int) -> None:
    _set_httponly(
        response, SESSION_COOKIE, token, max_age=max_age, secure=secure, samesite=_cross_site(secure)
    )


def clear_session(response: Response, *, secure: bool) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite=_cross_site(secure)
    )


def session_token(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


def set_remembered_browser(response: Response, token: str, *, secure: bool, max_age: int) -> None:
    """Auth0's "Remember this browser": HttpOnly, Lax (sent with the login form's own posts)."""
    _set_httponly(response, REMEMBERED_BROWSER_COOKIE, token, max_age=max_age, secure=secure, samesite="lax")


def remembered_browser(request: Request) -> str:
    return request.cookies.get(REMEMBERED_BROWSER_COOKIE, "")


def set_devices(response: Response, value: str, *, secure: bool) -> None:
    """The browser's device tokens: HttpOnly, and sent with a provider's cross-site answer on
    https like the session (Apple's form_post), so that its login knows the browser too."""
    samesite = _cross_site(secure)
    _set_httponly(response, DEVICE_COOKIE, value, max_age=DEVICE_MAX_AGE, secure=secure, samesite=samesite)


def device_tokens(request: Request) -> list[str]:
    """The browser's device tokens (each user's object checks its own), well-formed ones only."""
    return tokens_in(request.cookies.get(DEVICE_COOKIE, ""))


def set_transaction_binding(response: Response, value: str, *, secure: bool) -> None:
    """Lax: sent with the top-level POST of our own login form, never with cross-site ones."""
    _set_httponly(
        response, TRANSACTION_COOKIE, value, max_age=TRANSACTION_MAX_AGE, secure=secure, samesite="lax"
    )


def set_cross_site_binding(response: Response, value: str, *, secure: bool) -> None:
    _set_httponly(
        response,
        CROSS_SITE_TRANSACTION_COOKIE,
        value,
        max_age=TRANSACTION_MAX_AGE,
        secure=secure,
        samesite=_cross_site(secure),
        path="/login/callback",
    )


def binding_cookie(request: Request) -> str:
    """The browser's transaction binding, from whichever cookie the request carried."""
    return request.cookies.get(TRANSACTION_COOKIE) or request.cookies.get(CROSS_SITE_TRANSACTION_COOKIE, "")
