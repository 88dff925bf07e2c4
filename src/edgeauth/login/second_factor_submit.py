"""`POST /u/mfa`: the answer of the hosted page's second factor, in the login transaction that
asked for it (the sealed `state` and this browser's cookie: CSRF-proof like every hosted form).
`factor` names the factor (the app's code by default; `recovery-code`, `webauthn-roaming`,
`webauthn-platform`) and `enroll` whether it is being enrolled; without its answer (a code, or the
WebAuthn credential the page's script fills in) the form switches to that factor's page. Right,
the login completes as it would have without MFA (session cookie, back to the app), by way of a
recovery code's page when one was given."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.encoding import MAX_JSON_DEPTH, json_depth
from edgeauth.http.context import RequestContext
from edgeauth.http.cookies import set_remembered_browser
from edgeauth.login.pages import record_login, signed_in, with_form
from edgeauth.login.rendering import transaction_error
from edgeauth.login.second_factor import FACTORS, Enrolment, PendingLogin, factor_page, new_recovery_code_page
from edgeauth.mfa import log_events, totp
from edgeauth.mfa.factors import EMAIL, OTP, RECOVERY_CODE, WEBAUTHN_FACTORS
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.users.answers import Login, Refusal, Refused
from edgeauth.users.objects import TokenUser
from edgeauth.webauthn import challenges, options

ERRORS = {
    Refusal.MFA_LOCKED: "error.mfa_locked",
    Refusal.WRONG_RECOVERY_CODE: "error.wrong_recovery_code",
    Refusal.WRONG_CREDENTIAL: "error.wrong_credential",
    Refusal.WRONG_CODE: "error.wrong_code",
    Refusal.ALREADY_ENROLLED: "error.wrong_credential",
}
# The form field that carries each factor's answer.
ANSWERS = {
    OTP: "code",
    EMAIL: "code",
    RECOVERY_CODE: "recovery",
    **{name: "credential" for name in WEBAUTHN_FACTORS},
}
MAX_CREDENTIAL = 16_384
MAX_URI = 512  # an otpauth:// URI of a tenant's name and a user's email; a QR code holds ~3 KB
MAX_RECOVERY_CODE = 32  # a PublicKeyCredential's JSON is a few hundred bytes to a few KB


def shown_enrolment(form: dict[str, str]) -> Enrolment | None:
    """The enrolment the page showed (its own fields, for showing it again after a wrong code):
    only what such a page can have shown (a base32 key, an `otpauth://` URI a QR code can hold)."""
    secret, uri = form.get("secret", ""), form.get("barcode_uri", "")
    if not totp.is_secret(secret) or not uri.startswith("otpauth://totp/") or len(uri) > MAX_URI:
        return None
    return Enrolment(secret, uri, form.get("shown_recovery_code", "")[:MAX_RECOVERY_CODE])


def posted_credential(form: dict[str, str]) -> dict[str, Any] | None:
    """The page's `PublicKeyCredential` as JSON (bounded), else None."""
    text = form.get("credential", "")
    if not text or len(text) > MAX_CREDENTIAL or json_depth(text) > MAX_JSON_DEPTH:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


async def _webauthn_answer(
    ctx: RequestContext,
    user: TokenUser,
    secret: str,
    login: PendingLogin,
    factor: str,
    enroll: bool,
    form: dict[str, str],
) -> Login | Refused:
    """The security key's or device's answer checked against the challenge the page was given."""
    ceremony = f"mfa:{factor}:{'create' if enroll else 'get'}"
    challenge = await challenges.opened(
        ctx.platform.crypto, form.get("challenge", ""), ctx.tenant.id, ceremony, ctx.platform.now()
    )
    credential = posted_credential(form)
    if challenge is None or credential is None:
        return Refused(Refusal.WRONG_CREDENTIAL, "")
    expected = dataclasses.asdict(options.expected(ctx.issuer, challenge, factor))
    return await user.mfa_webauthn(
        secret, login.authz.client_id, factor, credential, expected, enroll, ctx.ip
    )


async def remember_this_browser(ctx: RequestContext, response: Response, grant: Login) -> None:
    """Auth0's "Remember this browser": the new session's object gives the browser a token that
    lets its next logins skip the second factor for the tenant's number of days."""
    found = ctx.users.by_token(grant["session_token"])
    days = ctx.tenant.mfa_remember_days
    token = await found[0].remember_browser(found[1], days) if found else None
    if token:
        set_remembered_browser(response, token, secure=ctx.secure, max_age=days * 86400)


async def second_factor_submit(request: Request) -> Response:
    return await with_form(request, second_factor_answered)


async def second_factor_answered(
    ctx: RequestContext, request: Request, form: dict[str, str], authz: AuthorizationRequest
) -> Response:
    login = PendingLogin(authz, form["state"], form.get("mfa_token", ""))
    factor = form.get("factor") or OTP
    enroll = form.get("enroll") == "1" or bool(form.get("secret"))
    if factor not in FACTORS:
        return await transaction_error(ctx, request)
    if ANSWERS[factor] not in form:
        return await factor_page(ctx, request, login, factor, enroll=enroll)
    found = ctx.users.by_token(login.mfa_token)
    if found is None:
        return await transaction_error(ctx, request)
    user, secret = found
    if factor in WEBAUTHN_FACTORS:
        grant = await _webauthn_answer(ctx, user, secret, login, factor, enroll, form)
    else:
        code = form[ANSWERS[factor]].strip()
        grant = await user.mfa_verify(secret, authz.client_id, factor, code, ctx.ip, channel="session")
    await log_events.record_answer(ctx, request, factor, grant, client_id=authz.client_id, enrolling=enroll)
    if isinstance(grant, Refused):
        if grant.code == Refusal.INVALID_MFA_TOKEN:
            return await transaction_error(ctx, request)  # the login's ten minutes are over: start again
        await record_login(
            ctx, request, authz, audit.FAILED_LOGIN, grant.message, email="", user_id=grant.user_id
        )
        error_key = ERRORS.get(grant.code, "error.wrong_otp")
        return await factor_page(
            ctx, request, login, factor, enroll=enroll, error_key=error_key, shown=shown_enrolment(form),
            sent_to=form.get("sent_to", ""),
        )  # fmt: skip
    who = grant["user"]
    await record_login(
        ctx, request, authz, audit.SUCCESS_LOGIN, email=who.get("email") or "", user_id=who["user_id"]
    )
    completed = await signed_in(ctx, authz, grant)
    if form.get("remember") == "1" and ctx.tenant.mfa_remember_days:
        await remember_this_browser(ctx, completed, grant)
    if "recovery_code" in grant:
        first = factor != RECOVERY_CODE
        return await new_recovery_code_page(
            ctx, request, authz, grant["recovery_code"], completed, first=first
        )
    return completed
