"""The emails the login flows send (verification, welcome, reset, email code, magic link).

The locale follows Auth0: the `x-request-language` header (nextjs-auth0, auth0.js), then the
authorization request's `ui_locales`, then `Accept-Language`. Delivery is the mailer's: queued,
never on the response path (edgeauth.mail.outgoing).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from edgeauth.http.context import RequestContext
from edgeauth.locales import choose_locale
from edgeauth.mail.outgoing import send_email
from edgeauth.snapshots import Client


def email_locale(ctx: RequestContext, request: Request, ui_locales: str = "") -> str:
    preferred = " ".join(filter(None, (request.headers.get("x-request-language", ""), ui_locales)))
    return choose_locale(preferred, request.headers.get("accept-language", ""), ctx.tenant.enabled_locales)


async def email_user(
    ctx: RequestContext,
    request: Request,
    template: str,
    to: str,
    *,
    client: Client | None,
    ui_locales: str = "",
    user: dict[str, Any] | None = None,
    **values: str,
) -> None:
    """Queue `template` to `to`, with the application's name and the link or code in `values`."""
    await send_email(
        ctx.platform,
        ctx.tenant.id,
        template=template,
        to=to,
        locale=email_locale(ctx, request, ui_locales),
        values={
            **values,
            "user": user or {"email": to},
            "application": {"name": client.name if client else ""},
        },
    )
