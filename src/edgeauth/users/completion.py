"""How a successful login finishes, as the Worker asks the user's object for it (plain JSON).

- `browser_session`: an SSO session (its cookie token) and, for an authorization request, a code;
  the hosted page, magic links and `/authorize?login_ticket=`.
- `token_grant`: tokens straight from the token endpoint (password, password-realm and
  passwordless OTP grants): no SSO session; a refresh token for `offline_access` when allowed.
- `login_ticket`: `/co/authenticate` (auth0.js embedded login): a short-lived single-use ticket for
  this client that the next `/authorize` redeems for a session.
"""

from __future__ import annotations

from typing import Any


def browser_session(
    request: dict[str, Any] | None, remembered: str = "", devices: list[str] | None = None
) -> dict[str, Any]:
    """`remembered`: the browser's "remember this browser" token, if it has one; `devices`: its
    device tokens under Adaptive MFA (`durable_objects/user/known_devices.py`)."""
    finish: dict[str, Any] = {"kind": "session", "request": request}
    if remembered:
        finish["remembered"] = remembered
    if devices is not None:
        finish["devices"] = devices
    return finish


def embedded_session(request: dict[str, Any] | None) -> dict[str, Any]:
    """The session of an embedded login's ticket, redeemed at `/authorize`: no page asks anything
    there (Adaptive MFA does not ask such a login for the mailbox)."""
    return {"kind": "session", "request": request, "embedded": True}


def token_grant(request: dict[str, Any], refresh_allowed: bool) -> dict[str, Any]:
    return {"kind": "tokens", "request": request, "refresh_allowed": refresh_allowed}


def login_ticket(client_id: str, verifier_digest: str) -> dict[str, Any]:
    """`verifier_digest`: SHA-256 of the `co_verifier` the browser must show to redeem the ticket."""
    return {"kind": "ticket", "client_id": client_id, "verifier_digest": verifier_digest}
