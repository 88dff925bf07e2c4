"""An enrollment ticket's page (Auth0 Guardian's `/guardian/enrollments/ticket` link): an
authenticator app set up without logging in. `GET /u/mfa-enrollment?ticket=` shows its QR code,
key and recovery code; `POST /u/mfa-enrollment` takes the app's first code, which confirms the
enrolment and spends the ticket. The ticket (a five-day secret of the user's object) is the
authority, as a password-reset link's is; the page holds no login."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.http.body import read_fields
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.errors import OAuthError
from edgeauth.login.rendering import form_error, message_page, page_context, render_page
from edgeauth.login.second_factor_submit import shown_enrolment
from edgeauth.mfa import log_events
from edgeauth.mfa.factors import OTP
from edgeauth.mfa.qr import qr_svg
from edgeauth.users.answers import Refusal, Refused

ERRORS = {Refusal.MFA_LOCKED: "error.mfa_locked"}


async def ticket_page(
    ctx: RequestContext,
    request: Request,
    ticket: str,
    shown: dict[str, Any] | None = None,
    error_key: str = "",
) -> Response:
    """The app's enrolment (a new key, or the one `shown`, after a wrong code: `error_key`)."""
    found = ctx.users.by_token(ticket)
    enrolled: Any = shown or (
        await found[0].ticket_enrolment(found[1], ctx.tenant.friendly_name) if found else None
    )
    if enrolled is None or isinstance(enrolled, Refused):
        return await message_page(ctx, request, "mfa_ticket.failed", 400)
    context = page_context(ctx, request, screen=("mfa-otp", "mfa-otp-enrollment-qr"))
    recovery = enrolled.get("recovery_codes") or [""]
    context.update(
        ticket=ticket,
        secret=enrolled["secret"],
        barcode_uri=enrolled["barcode_uri"],
        recovery_code=recovery[0],
        qr=qr_svg(enrolled["barcode_uri"], context["t"]["mfa.qr"]),
        **form_error(ctx, context, error_key, "code"),
    )
    return await render_page(ctx, "mfa_ticket.html", context, 400 if error_key else 200)


async def enrollment_ticket_page(request: Request) -> Response:
    """`GET /u/mfa-enrollment?ticket=…`."""
    return await ticket_page(request_context(request), request, request.query_params.get("ticket", ""))


async def enrollment_ticket_submit(request: Request) -> Response:
    """`POST /u/mfa-enrollment`: the app's first code; right, "you're all set"."""
    ctx = request_context(request)
    try:
        form = await read_fields(request)
    except OAuthError:
        return await message_page(ctx, request, "mfa_ticket.failed", 400)
    ticket = form.get("ticket", "")
    found = ctx.users.by_token(ticket)
    answer = await found[0].ticket_confirm(found[1], form.get("code", "").strip()) if found else None
    if answer is None or (isinstance(answer, Refused) and answer.code == Refusal.INVALID_TICKET):
        return await message_page(ctx, request, "mfa_ticket.failed", 400)
    await log_events.record_answer(ctx, request, OTP, answer, client_id="", enrolling=True)
    if isinstance(answer, Refused):
        shown = shown_enrolment(form)
        if shown is None:
            return await message_page(ctx, request, "mfa_ticket.failed", 400)
        again = {
            "secret": shown.secret,
            "barcode_uri": shown.barcode_uri,
            "recovery_codes": [shown.recovery_code],
        }
        return await ticket_page(ctx, request, ticket, again, ERRORS.get(answer.code, "error.wrong_otp"))
    return await message_page(ctx, request, "mfa_ticket.done", 200)
