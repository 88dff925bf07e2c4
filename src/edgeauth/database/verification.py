"""Email verification (Auth0 "Verification Email"): a single-use link that flips `email_verified`.

Sent after a database signup; `GET /u/email-verification?ticket=&ui_locales=` spends the ticket
in the user's object, then the welcome email follows (Auth0's "send welcome email after
verification"), in the language of the link.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.connections import DATABASE_CONNECTION
from edgeauth.http.context import RequestContext, request_context
from edgeauth.login.events import record_for_user, record_user_event
from edgeauth.login.rendering import message_page
from edgeauth.notifications import email_locale, email_user
from edgeauth.snapshots import Client


async def send_verification_email(
    ctx: RequestContext, request: Request, user: dict[str, Any], client: Client | None, ui_locales: str = ""
) -> None:
    """Queue the verification link for a new user whose email is not verified yet; the link names
    the email's language, which the page it opens and the welcome email then speak."""
    found = await ctx.users.find(user["user_id"])
    ticket = await found[0].start_email_verification() if found else None
    if ticket is None:
        return
    locale = email_locale(ctx, request, ui_locales)
    url = f"{ctx.issuer}u/email-verification?" + urlencode({"ticket": ticket, "ui_locales": locale})
    await email_user(
        ctx, request, "verify_email", user["email"], client=client, ui_locales=locale, user=user, url=url
    )


async def verify_email(request: Request) -> Response:
    """`GET /u/email-verification?ticket=`: once; an expired, spent or forged ticket changes nothing."""
    ctx = request_context(request)
    ui_locales = request.query_params.get("ui_locales", "")
    found = ctx.users.by_token(request.query_params.get("ticket", ""))
    user = await found[0].verify_email(found[1]) if found else None
    if user is None:
        await record_user_event(
            ctx, request, audit.FAILED_VERIFICATION_EMAIL, "Invalid or expired ticket", client=None
        )
        return await message_page(ctx, request, "verification.failed", 400, ui_locales=ui_locales)
    await record_for_user(
        ctx, request, audit.SUCCESS_VERIFICATION_EMAIL, user, connection=DATABASE_CONNECTION
    )
    await email_user(
        ctx, request, "welcome_email", user["email"], client=None, ui_locales=ui_locales, user=user
    )
    return await message_page(ctx, request, "verification.done", 200, ui_locales=ui_locales)
