"""`POST /u/mfa`: the answer of the hosted page's second factor, in the login transaction that
asked for it (the sealed `state` and this browser's cookie: CSRF-proof like every hosted form).
The app's code or the recovery code (`factor=recovery-code`; without a code it shows that form);
right, the login completes as it would have without MFA (session cookie, back to the app), by way
of the new recovery code when one was used."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.http.body import read_params
from edgeauth.http.context import request_context
from edgeauth.http.errors import OAuthError
from edgeauth.login.pages import record_login, signed_in, transaction
from edgeauth.login.rendering import transaction_error
from edgeauth.login.second_factor import (
    RECOVERY_CODE,
    Enrolment,
    PendingLogin,
    new_recovery_code_page,
    second_factor_page,
)
from edgeauth.login.transaction import TransactionError
from edgeauth.users.answers import Refusal, Refused

ERRORS = {
    Refusal.MFA_LOCKED: "error.mfa_locked",
    Refusal.WRONG_RECOVERY_CODE: "error.wrong_recovery_code",
    Refusal.FACTOR_DISABLED: "error.wrong_recovery_code",
}


def shown_enrolment(form: dict[str, str]) -> Enrolment | None:
    """The enrolment the page showed (its own fields, for showing it again after a wrong code)."""
    if not form.get("secret"):
        return None
    return Enrolment(form["secret"], form.get("barcode_uri", ""), form.get("shown_recovery_code", ""))


async def second_factor_submit(request: Request) -> Response:
    ctx = request_context(request)
    try:
        form = {name: str(value) for name, value in (await read_params(request)).items()}
        authz = await transaction(ctx, request, form.get("state", ""))
    except (OAuthError, TransactionError):
        return await transaction_error(ctx, request)
    login = PendingLogin(authz, form.get("state", ""), form.get("mfa_token", ""))
    recovery = form.get("factor") == RECOVERY_CODE
    if recovery and "recovery" not in form:
        return await second_factor_page(ctx, request, login, recovery=True)
    found = ctx.users.by_token(login.mfa_token)
    if found is None:
        return await transaction_error(ctx, request)
    factor, code = (RECOVERY_CODE, form["recovery"]) if recovery else ("otp", form.get("code", ""))
    grant = await found[0].mfa_verify(found[1], authz.client_id, factor, code.strip(), ctx.ip)
    if isinstance(grant, Refused):
        if grant.code == Refusal.INVALID_MFA_TOKEN:
            return await transaction_error(ctx, request)  # the login's ten minutes are over: start again
        await record_login(ctx, request, authz, audit.FAILED_LOGIN, grant.message, email="")
        error_key = ERRORS.get(grant.code, "error.wrong_otp")
        enrolment = shown_enrolment(form)
        return await second_factor_page(
            ctx, request, login, enrolment=enrolment, recovery=recovery, error_key=error_key
        )
    user = grant["user"]
    email = user.get("email") or ""
    await record_login(ctx, request, authz, audit.SUCCESS_LOGIN, email=email, user_id=user["user_id"])
    completed = await signed_in(ctx, authz, grant)
    if "recovery_code" in grant:
        return await new_recovery_code_page(ctx, request, authz, grant["recovery_code"], completed)
    return completed
