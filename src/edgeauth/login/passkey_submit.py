"""`POST /u/passkey`: a passkey's answer in the login transaction that asked for it (the sealed
`state` and this browser's cookie, as every hosted form). With an `email`, the signup's new
passkey: the account is created with it and no password; without, a login: the passkey's user
handle names the user's object, which checks the signature with the passkeys it holds."""

from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import Response

from edgeauth import audit
from edgeauth.connections import DATABASE_CONNECTION
from edgeauth.encoding import b64url_decode
from edgeauth.http.context import RequestContext
from edgeauth.login.pages import email_page, record_login, render_form, signed_in, with_form
from edgeauth.login.passkeys import LOGIN, PASSKEY_CODE_PATH, passkey_signup_page, signup_ceremony
from edgeauth.login.rendering import transaction_error
from edgeauth.login.second_factor_submit import posted_credential
from edgeauth.oauth.authorize.complete import code_request
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.users import completion
from edgeauth.users.accounts import AccountError, check_email
from edgeauth.users.answers import Login, Refusal, Refused
from edgeauth.webauthn import challenges, options

ERRORS = {Refusal.BLOCKED: "error.blocked", Refusal.USER_EXISTS: "error.user_exists"}


async def _expected(ctx: RequestContext, sealed: str, ceremony: str) -> dict[str, object] | None:
    """The checks for the answer to the challenge the page was given (None: not ours, or stale)."""
    challenge = await challenges.opened(
        ctx.platform.crypto, sealed, ctx.tenant.id, ceremony, ctx.platform.now()
    )
    return (
        None
        if challenge is None
        else dataclasses.asdict(options.expected(ctx.issuer, challenge, options.PASSKEY))
    )


def _user_handle(credential: dict[str, object]) -> bytes:
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    try:
        return b64url_decode(handle) if isinstance(handle, str) else b""
    except ValueError:
        return b""


async def _signup(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, form: dict[str, str]
) -> Login | Response:
    """The passkey made on "Create a passkey", whose challenge was issued only once the email's
    code was right (`passkey_code`): that sealed challenge is the proof of the email."""
    state = form.get("state", "")
    try:
        email = check_email(form.get("email", ""))
    except AccountError:
        email = ""
    expected = await _expected(ctx, form.get("challenge", ""), signup_ceremony(email)) if email else None
    if expected is None:  # no proof of this email (or it is stale): the signup starts again
        return await render_form(
            ctx, request, "signup", authz, state, error_key="error.transaction", status=400
        )
    credential = posted_credential(form)
    grant: Login | Refused = Refused(Refusal.WRONG_CREDENTIAL, "")
    if credential is not None:
        finish = completion.browser_session(code_request(authz))
        handle = ctx.users.email_object_id(email)
        grant = await ctx.users.by_email(email).signup_with_passkey(
            DATABASE_CONNECTION, handle, credential, expected, finish, ctx.ip
        )
    if isinstance(grant, Refused):
        await record_login(ctx, request, authz, audit.FAILED_SIGNUP, grant.message, email=email)
        if grant.code == Refusal.USER_EXISTS:
            return await render_form(
                ctx, request, "signup", authz, state, email=email, error_key="error.user_exists", status=400
            )
        proof = challenges.Challenge(str(expected["challenge"]), form.get("challenge", ""))
        return await passkey_signup_page(ctx, request, authz, state, email, "error.wrong_credential", proof)
    await record_login(
        ctx, request, authz, audit.SUCCESS_SIGNUP, email=email, user_id=grant["user"]["user_id"]
    )
    return grant


async def passkey_code(request: Request) -> Response:
    """`POST /u/passkey/code`: the code emailed by "Sign up with a passkey"; right, the page that
    creates the passkey (its challenge sealed with the email), else the code's page again."""
    return await with_form(request, passkey_code_answered)


async def passkey_code_answered(
    ctx: RequestContext, request: Request, form: dict[str, str], authz: AuthorizationRequest
) -> Response:
    try:
        email = check_email(form.get("email", ""))
    except AccountError:
        return await transaction_error(ctx, request)
    state = form["state"]
    if ctx.tenant.passkeys and await ctx.users.by_email(email).prove_signup_code(
        form.get("code", "").strip()
    ):
        return await passkey_signup_page(ctx, request, authz, state, email)
    return await render_form(
        ctx, request, "passwordless_code", authz, state, email=email, error_key="error.wrong_code",
        error_field="code", status=400, extra={"code_action": PASSKEY_CODE_PATH},
    )  # fmt: skip


async def _login(
    ctx: RequestContext, request: Request, authz: AuthorizationRequest, form: dict[str, str]
) -> Login | Response:
    expected = await _expected(ctx, form.get("challenge", ""), LOGIN)
    credential = posted_credential(form)
    user = ctx.users.by_passkey(_user_handle(credential)) if credential else None
    grant: Login | Refused = Refused(Refusal.WRONG_CREDENTIAL, "")
    if expected is not None and credential is not None and user is not None:
        finish = completion.browser_session(code_request(authz))
        grant = await user.login_with_passkey(credential, expected, finish, ctx.ip)
    if isinstance(grant, Refused):
        await record_login(ctx, request, authz, audit.FAILED_LOGIN, grant.message, email="")
        error_key = ERRORS.get(grant.code, "error.wrong_credential")
        return await render_form(
            ctx, request, email_page(ctx), authz, form.get("state", ""), error_key=error_key,
            error_field="passkey-start", status=400,
        )  # fmt: skip
    return grant


async def passkey_submit(request: Request) -> Response:
    return await with_form(request, passkey_answered)


async def passkey_answered(
    ctx: RequestContext, request: Request, form: dict[str, str], authz: AuthorizationRequest
) -> Response:
    if not ctx.tenant.passkeys:
        return await transaction_error(ctx, request)
    answer = await (_signup if "email" in form else _login)(ctx, request, authz, form)
    if isinstance(answer, Response):
        return answer
    who = answer["user"]
    await record_login(
        ctx, request, authz, audit.SUCCESS_LOGIN, email=who.get("email") or "", user_id=who["user_id"]
    )
    return await signed_in(ctx, authz, answer)
