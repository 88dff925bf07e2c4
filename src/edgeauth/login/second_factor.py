"""The hosted page's second factor (Auth0 Universal Login's OTP enrolment, OTP challenge and
recovery-code screens): after the first factor of a login whose tenant requires MFA, the page
shows the authenticator app's QR code and key with the recovery code (first time), or asks for the
app's code, or for the recovery code. The answer goes to `POST /u/mfa`
(`login/second_factor_submit.py`) within the same login transaction."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.http.context import RequestContext
from edgeauth.login.rendering import form_error, page_context, render_page
from edgeauth.mfa.qr import qr_svg
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.users.answers import MfaPending, Refused

RECOVERY_CODE = "recovery-code"


@dataclass(frozen=True)
class PendingLogin:
    """A hosted login waiting for its second factor: its request, its sealed state, its mfa_token."""

    authz: AuthorizationRequest
    state: str
    mfa_token: str


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the app's key, its QR code's URI, the recovery code."""

    secret: str
    barcode_uri: str
    recovery_code: str = ""


async def second_factor_page(
    ctx: RequestContext,
    request: Request,
    login: PendingLogin,
    *,
    enrolment: Enrolment | None = None,
    recovery: bool = False,
    error_key: str = "",
) -> Response:
    """Enrolment (`enrolment`), the recovery code (`recovery`), else the app's code."""
    context = page_context(ctx, request, login.authz.ui_locales)
    context.update(
        state=login.state,
        mfa_token=login.mfa_token,
        enroll=enrolment is not None,
        recovery=recovery,
        offer_recovery=enrolment is None and not recovery and RECOVERY_CODE in ctx.tenant.mfa_factors,
        **form_error(ctx, context, error_key, "recovery" if recovery else "code"),
    )
    if enrolment is not None:
        context.update(
            secret=enrolment.secret,
            barcode_uri=enrolment.barcode_uri,
            recovery_code=enrolment.recovery_code,
            qr=qr_svg(enrolment.barcode_uri, context["t"]["mfa.qr"]),
        )
    return await render_page(ctx, "mfa_otp.html", context, 400 if error_key else 200)


async def enrolment(ctx: RequestContext, mfa_token: str) -> Enrolment | None:
    """A new authenticator for the user the mfa_token stands for (None: already enrolled)."""
    found = ctx.users.by_token(mfa_token)
    if found is None:
        return None
    user, secret = found
    enrolled = await user.mfa_associate(
        secret, ctx.tenant.friendly_name, RECOVERY_CODE in ctx.tenant.mfa_factors
    )
    if isinstance(enrolled, Refused):
        return None
    codes = enrolled.get("recovery_codes") or [""]
    return Enrolment(enrolled["secret"], enrolled["barcode_uri"], codes[0])


async def start_second_factor(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, state: str, pending: MfaPending
) -> Response:
    """The page for a login that answered with an mfa_token: enrolment the first time, then the
    challenge."""
    login = PendingLogin(authz, state, pending["mfa_token"])
    new = await enrolment(ctx, login.mfa_token) if "enroll" in pending["mfa_requirements"] else None
    return await second_factor_page(ctx, request, login, enrolment=new)


async def new_recovery_code_page(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, code: str, completed: Response
) -> Response:
    """After a recovery code: the new one, shown once, then on to the app (Auth0 shows it too).
    `completed` is the login's answer: its cookies go with this page, its redirect is the link.
    An answer that is not a redirect (`form_post`, `web_message`) is returned as it is."""
    location = completed.headers.get("location")
    if completed.status_code not in (302, 303) or not location:
        return completed
    context = page_context(ctx, request, authz.ui_locales)
    context.update(code=code, continue_to=location)
    page = await render_page(ctx, "mfa_new_code.html", context)
    for cookie in completed.headers.getlist("set-cookie"):
        page.headers.append("set-cookie", cookie)
    page.headers["Cache-Control"] = "no-store"
    return page
