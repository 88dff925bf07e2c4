"""The hosted page's second factor (Auth0 Universal Login's MFA screens): after the first factor
of a login that needs one, the choice of a factor to enroll, then its enrolment (the authenticator
app's QR code and key, a security key, the device's own authenticator), or later the challenge of
the factor the user has, with the other ways offered (another factor, the recovery code). The
answer goes to `POST /u/mfa` (`login/second_factor_submit.py`) within the same login transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.http.context import RequestContext
from edgeauth.login.rendering import form_error, page_context, render_page
from edgeauth.mfa.email_code import send_mfa_code
from edgeauth.mfa.factors import EMAIL, FIRST_FACTORS, OTP, RECOVERY_CODE, WEBAUTHN_FACTORS, masked
from edgeauth.mfa.qr import qr_svg
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.prompt_text import Screen
from edgeauth.snapshots import load_client
from edgeauth.users.answers import MfaPending, Refused
from edgeauth.webauthn import challenges, options

FACTORS = (*FIRST_FACTORS, EMAIL, RECOVERY_CODE)
# The button that switches to another factor, and its name in the choice of factors.
SWITCH_LABELS = {
    OTP: "mfa.use_otp",
    "webauthn-roaming": "mfa.use_webauthn-roaming",
    "webauthn-platform": "mfa.use_webauthn-platform",
    RECOVERY_CODE: "mfa.use_recovery",
    EMAIL: "login.passwordless",
}


@dataclass(frozen=True)
class PendingLogin:
    """A hosted login waiting for its second factor: its request, its sealed state, its mfa_token."""

    authz: AuthorizationRequest
    state: str
    mfa_token: str


@dataclass(frozen=True)
class Enrolment:
    """What the authenticator app's enrolment page shows: its key, its QR code's URI, the
    recovery code."""

    secret: str
    barcode_uri: str
    recovery_code: str = ""


async def _context(
    ctx: RequestContext, request: Request, login: PendingLogin, others: list[str], screen: Screen
) -> dict[str, Any]:
    """A second factor page's words (with the tenant's custom text for its Auth0 `screen`), its
    login and the switches to the other factors."""
    context = page_context(ctx, request, login.authz.ui_locales, screen)
    context.update(
        state=login.state,
        mfa_token=login.mfa_token,
        others=[(name, SWITCH_LABELS[name]) for name in others],
    )
    return context


async def choice_page(
    ctx: RequestContext, request: Request, login: PendingLogin, offered: list[str]
) -> Response:
    """Auth0's "Keep your account safe": the factors the user may enroll, one button each."""
    context = await _context(ctx, request, login, offered, ("mfa", "mfa-begin-enroll-options"))
    return await render_page(ctx, "mfa_choose.html", context)


async def second_factor_page(
    ctx: RequestContext,
    request: Request,
    login: PendingLogin,
    *,
    others: list[str],
    enrolment: Enrolment | None = None,
    recovery: bool = False,
    error_key: str = "",
) -> Response:
    """The authenticator app's enrolment (`enrolment`), the recovery code (`recovery`), else the
    app's code."""
    if enrolment is not None:
        screen = ("mfa-otp", "mfa-otp-enrollment-qr")
    elif recovery:
        screen = ("mfa-recovery-code", "mfa-recovery-code-challenge")
    else:
        screen = ("mfa-otp", "mfa-otp-challenge")
    context = await _context(ctx, request, login, others, screen)
    context.update(
        enroll=enrolment is not None,
        recovery=recovery,
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


async def webauthn_page(
    ctx: RequestContext,
    request: Request,
    login: PendingLogin,
    kind: str,
    *,
    enroll: bool,
    others: list[str],
    error_key: str = "",
) -> Response:
    """A security key's or the device's enrolment (`navigator.credentials.create`) or challenge
    (`.get`), started by the page's button; the challenge travels sealed in the form."""
    found = ctx.users.by_token(login.mfa_token)
    described = await found[0].mfa_webauthn_options(found[1]) if found else None
    if found is None or isinstance(described, Refused) or described is None:
        return await second_factor_page(
            ctx, request, login, others=others, error_key="error.wrong_credential"
        )
    ceremony = f"mfa:{kind}:{'create' if enroll else 'get'}"
    challenge = await challenges.issue(ctx.platform.crypto, ctx.tenant.id, ceremony, ctx.platform.now())
    if enroll:
        public_key = options.creation(
            ctx.issuer,
            ctx.tenant.friendly_name,
            described["user"],
            challenge.value,
            kind,
            described["exclude"],
        )
    else:
        public_key = options.request(ctx.issuer, challenge.value, kind, described["allow"][kind])
    step = "enrollment" if enroll else "challenge"
    context = await _context(ctx, request, login, others, ("mfa-webauthn", f"mfa-{kind}-{step}"))
    context.update(
        kind=kind,
        enroll=enroll,
        challenge=challenge.sealed,
        public_key=public_key,
        ceremony="create" if enroll else "get",
        **form_error(ctx, context, error_key, "webauthn-start"),
    )
    return await render_page(ctx, "mfa_webauthn.html", context, 400 if error_key else 200)


async def email_page(
    ctx: RequestContext,
    request: Request,
    login: PendingLogin,
    *,
    others: list[str],
    error_key: str = "",
    sent_to: str = "",
) -> Response:
    """The email factor: a code sent to the user's verified email, and its field. A wrong code
    shows the page again without sending another ("Email me a code" sends a new one)."""
    if not error_key:
        found = ctx.users.by_token(login.mfa_token)
        sent = (
            await found[0].mfa_email_challenge(found[1], login.authz.client_id, "session") if found else None
        )
        if sent is None or isinstance(sent, Refused):
            error_key = "error.wrong_code"
        else:
            client = await load_client(ctx.platform.config, ctx.tenant.id, login.authz.client_id)
            await send_mfa_code(ctx, request, sent, client=client, ui_locales=login.authz.ui_locales)
            sent_to = masked(sent["email"])
    switches = [name for name in others if name != EMAIL] + [EMAIL]
    context = await _context(ctx, request, login, switches, ("mfa-email", "mfa-email-challenge"))
    context.update(
        enroll=False,
        recovery=False,
        email_mode=True,
        email_sent=sent_to,
        **form_error(ctx, context, error_key, "code"),
    )
    return await render_page(ctx, "mfa_otp.html", context, 400 if error_key else 200)


async def enrolment(ctx: RequestContext, mfa_token: str) -> Enrolment | None:
    """A new authenticator app for the user the mfa_token stands for (None: already enrolled)."""
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


async def enrolled_factors(ctx: RequestContext, mfa_token: str) -> list[str]:
    """The second factors the user has and the tenant enables, security keys first, the
    recovery code last (offered only to a user who has one)."""
    found = ctx.users.by_token(mfa_token)
    described = await found[0].mfa_webauthn_options(found[1]) if found else None
    if described is None or isinstance(described, Refused):
        return []
    has = [*described["enrolled"], *([RECOVERY_CODE] if described.get("recovery_code") else [])]
    return [name for name in has if name in ctx.tenant.mfa_factors]


async def factor_page(
    ctx: RequestContext,
    request: Request,
    login: PendingLogin,
    factor: str,
    *,
    enroll: bool,
    error_key: str = "",
    shown: Enrolment | None = None,
    sent_to: str = "",
) -> Response:
    """The page of one factor, enrolling or challenging, with the switches to the others."""
    if enroll:
        available = [name for name in FIRST_FACTORS if name in ctx.tenant.mfa_factors]
    else:
        available = await enrolled_factors(ctx, login.mfa_token)
    others = [name for name in available if name != factor]
    if factor in WEBAUTHN_FACTORS:
        return await webauthn_page(
            ctx, request, login, factor, enroll=enroll, others=others, error_key=error_key
        )
    if factor == RECOVERY_CODE:
        return await second_factor_page(
            ctx, request, login, others=others, recovery=True, error_key=error_key
        )
    if factor == EMAIL:
        return await email_page(ctx, request, login, others=others, error_key=error_key, sent_to=sent_to)
    new = (shown or await enrolment(ctx, login.mfa_token)) if enroll else None
    return await second_factor_page(ctx, request, login, others=others, enrolment=new, error_key=error_key)


async def start_second_factor(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, state: str, pending: MfaPending
) -> Response:
    """The page for a login that answered with an mfa_token: the choice of a factor to enroll
    (when the tenant offers several), the enrolment, or the challenge of the user's first factor."""
    login = PendingLogin(authz, state, pending["mfa_token"])
    requirements = pending["mfa_requirements"]
    if "enroll" in requirements:
        offered = [item["type"] for item in requirements["enroll"]]
        if len(offered) > 1:
            return await choice_page(ctx, request, login, offered)
        return await factor_page(ctx, request, login, offered[0], enroll=True)
    kinds = [item["type"] for item in requirements["challenge"]]  # the user's object chose them
    return await factor_page(ctx, request, login, kinds[0] if kinds else OTP, enroll=False)


async def new_recovery_code_page(
    ctx: RequestContext,
    request: Request,
    authz: AuthorizationRequest,
    code: str,
    completed: Response,
    *,
    first: bool = False,
) -> Response:
    """A recovery code shown once, then on to the app: the new one after a recovery code was used
    (Auth0 shows it too), or the first one after a security key was enrolled (`first`).
    `completed` is the login's answer: its cookies go with this page, its redirect is the link.
    An answer that is not a redirect (`form_post`, `web_message`) is returned as it is."""
    location = completed.headers.get("location")
    if completed.status_code not in (302, 303) or not location:
        return completed
    screen = ("mfa-recovery-code", "mfa-recovery-code-enrollment")
    context = page_context(ctx, request, authz.ui_locales, screen)
    context.update(code=code, continue_to=location, first=first)
    page = await render_page(ctx, "mfa_new_code.html", context)
    for cookie in completed.headers.getlist("set-cookie"):
        page.headers.append("set-cookie", cookie)
    page.headers["Cache-Control"] = "no-store"
    return page
