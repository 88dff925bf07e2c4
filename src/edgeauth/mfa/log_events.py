"""Auth0's Guardian log events ("Log Event Type Codes", `gd_*`): each answer to a second factor
(the hosted page, the MFA grants, an enrollment ticket), each emailed MFA code, each authenticator
removed through the MFA API; `details.factor` names the factor (docs/mfa.md, "Tenant logs")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from edgeauth.http.context import RequestContext
from edgeauth.login.events import record_user_event
from edgeauth.mfa.factors import OTP, RECOVERY_CODE, WEBAUTHN_FACTORS
from edgeauth.snapshots import Client, load_client
from edgeauth.users.answers import Refusal, Refused

AUTH_SUCCEED = "gd_auth_succeed"
AUTH_FAILED = "gd_auth_failed"
ENROLLMENT_COMPLETE = "gd_enrollment_complete"
RECOVERY_SUCCEED = "gd_recovery_succeed"
RECOVERY_FAILED = "gd_recovery_failed"
OTP_RATE_LIMIT_EXCEED = "gd_otp_rate_limit_exceed"
RECOVERY_RATE_LIMIT_EXCEED = "gd_recovery_rate_limit_exceed"
WEBAUTHN_CHALLENGE_FAILED = "gd_webauthn_challenge_failed"
WEBAUTHN_ENROLLMENT_FAILED = "gd_webauthn_enrollment_failed"
SEND_EMAIL = "gd_send_email"
UNENROLL = "gd_unenroll"

# What each event says (its `description`).
DESCRIPTIONS = {
    AUTH_SUCCEED: "Multi-factor authentication success",
    AUTH_FAILED: "Multi-factor authentication failed",
    ENROLLMENT_COMPLETE: "Multi-factor authentication enrollment complete",
    RECOVERY_SUCCEED: "Multi-factor authentication recovery success",
    RECOVERY_FAILED: "Multi-factor authentication recovery failed",
    OTP_RATE_LIMIT_EXCEED: "Too many failures",
    RECOVERY_RATE_LIMIT_EXCEED: "Too many failures",
    WEBAUTHN_CHALLENGE_FAILED: "WebAuthn challenge failed",
    WEBAUTHN_ENROLLMENT_FAILED: "WebAuthn enrollment failed",
    SEND_EMAIL: "Multi-factor authentication email sent",
    UNENROLL: "Device used for second factor authentication has been unenrolled",
}
# Refusals that are the factor's (a wrong answer, or too many): a spent mfa_token, a factor turned
# off or a blocked user are the login's, and log only as the login or exchange that failed.
WRONG_ANSWERS = frozenset(
    {Refusal.WRONG_OTP, Refusal.WRONG_CODE, Refusal.WRONG_RECOVERY_CODE, Refusal.WRONG_CREDENTIAL}
)


def factor_of(authenticator_id: str) -> str:
    """The factor of an authenticator's id (`totp|dev_…` is an `otp`, `webauthn-roaming|dev_…`
    a `webauthn-roaming`)."""
    kind = authenticator_id.partition("|")[0]
    return OTP if kind == "totp" else kind


def answer_type(factor: str, refusal: Refusal | None, *, enrolled: bool, enrolling: bool) -> str | None:
    """The event of an answer to `factor`: passed (`refusal` None; `enrolled` when it confirmed
    the user's first factor) or refused; None for a refusal that is not the factor's."""
    recovery = factor == RECOVERY_CODE
    if refusal is None:
        return ENROLLMENT_COMPLETE if enrolled else RECOVERY_SUCCEED if recovery else AUTH_SUCCEED
    if refusal == Refusal.MFA_LOCKED:
        return RECOVERY_RATE_LIMIT_EXCEED if recovery else OTP_RATE_LIMIT_EXCEED
    if refusal not in WRONG_ANSWERS:
        return None
    if factor in WEBAUTHN_FACTORS:
        return WEBAUTHN_ENROLLMENT_FAILED if enrolling else WEBAUTHN_CHALLENGE_FAILED
    return RECOVERY_FAILED if recovery else AUTH_FAILED


async def record(
    ctx: RequestContext,
    request: Request,
    type_code: str,
    factor: str,
    *,
    user_id: str,
    client_id: str,
    client: Client | None = None,
    email: str = "",
) -> None:
    """One Guardian event of a user's factor; none without the user (an answer of an object of
    an earlier version does not name it). The application is read only when the caller has not
    already got it."""
    if not user_id:
        return
    if client is None and client_id:
        client = await load_client(ctx.platform.config, ctx.tenant.id, client_id)
    await record_user_event(
        ctx,
        request,
        type_code,
        DESCRIPTIONS[type_code],
        client=client,
        client_id=client_id,
        email=email,
        user_id=user_id,
        details={"factor": factor},
    )


async def record_answer(
    ctx: RequestContext,
    request: Request,
    factor: str,
    answer: Mapping[str, Any] | Refused,
    *,
    client_id: str,
    client: Client | None = None,
    enrolling: bool = False,
) -> None:
    """The event of an answer to a user's second factor, if it makes one: a refusal, or what
    passed (a `Login`, or an enrollment ticket's answer: the `user`, `enrolled`)."""
    if isinstance(answer, Refused):
        type_code = answer_type(factor, answer.code, enrolled=False, enrolling=enrolling)
        user_id, email = answer.user_id, ""
    else:
        user = answer.get("user") or {}
        type_code = answer_type(factor, None, enrolled=bool(answer.get("enrolled")), enrolling=enrolling)
        user_id, email = user.get("user_id", ""), user.get("email") or ""
    if type_code is not None:
        await record(
            ctx, request, type_code, factor, user_id=user_id, client_id=client_id, client=client, email=email
        )
