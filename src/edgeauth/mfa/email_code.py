"""The email factor's code, sent: Auth0's `mfa_oob_code` email to the user's verified address, and
Guardian's "email sent" log event (`gd_send_email`)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from edgeauth.http.context import RequestContext
from edgeauth.mfa import log_events
from edgeauth.mfa.factors import EMAIL
from edgeauth.notifications import email_user
from edgeauth.snapshots import Client


async def send_mfa_code(
    ctx: RequestContext,
    request: Request,
    sent: Mapping[str, str],
    *,
    client: Client | None,
    ui_locales: str = "",
) -> None:
    """The code the user's object chose (`sent`: `email`, `code`, and `user_id` from objects of
    this version), emailed."""
    await email_user(
        ctx, request, "mfa_oob_code", sent["email"], client=client, ui_locales=ui_locales, code=sent["code"]
    )
    user_id, email, client_id = sent.get("user_id", ""), sent["email"], client.client_id if client else ""
    await log_events.record(
        ctx,
        request,
        log_events.SEND_EMAIL,
        EMAIL,
        user_id=user_id,
        client_id=client_id,
        client=client,
        email=email,
    )
