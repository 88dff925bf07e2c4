"""Auth0's MFA grants: `http://auth0.com/oauth/grant-type/mfa-otp` (`mfa_token` + `otp`),
`…/mfa-oob` (`mfa_token` + `oob_code` + `binding_code`: the email factor's code) and
`…/mfa-recovery-code` (`mfa_token` + `recovery_code`): the second factor of a login that answered
`mfa_required`, then its tokens (docs/mfa.md)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from edgeauth.http.context import RequestContext
from edgeauth.mfa import log_events
from edgeauth.oauth.grants.issued import Issued
from edgeauth.oauth.grants.rules import check_grant_enabled, login_refusal, required_param, token_object
from edgeauth.oauth.user_tokens import user_token_response
from edgeauth.snapshots import Client
from edgeauth.users.answers import MESSAGES, Refusal, Refused

MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"
MFA_RECOVERY_CODE = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
MFA_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"


async def second_factor(
    ctx: RequestContext,
    client: Client,
    params: dict[str, Any],
    factor: str,
    code_param: str,
    oob_code: str = "",
) -> Issued:
    """The factor's code checked by the user's object the mfa_token names, for this client."""
    user, secret = token_object(ctx, required_param(params, "mfa_token"), MESSAGES[Refusal.INVALID_MFA_TOKEN])
    result = await user.mfa_verify(
        secret, client.client_id, factor, required_param(params, code_param), ctx.ip, oob_code
    )
    await log_events.record_answer(
        ctx, Request(ctx.caller), factor, result, client_id=client.client_id, client=client
    )
    if isinstance(result, Refused):
        raise login_refusal(result)
    return await user_token_response(ctx, result)


async def mfa_otp(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    check_grant_enabled(client, MFA_OTP)
    return await second_factor(ctx, client, params, "otp", "otp")


async def mfa_oob(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    """The email factor: the emailed code (`binding_code`) of the challenge `oob_code` names."""
    check_grant_enabled(client, MFA_OOB)
    oob_code = required_param(params, "oob_code")
    return await second_factor(ctx, client, params, "email", "binding_code", oob_code)


async def mfa_recovery_code(ctx: RequestContext, client: Client, params: dict[str, Any]) -> Issued:
    check_grant_enabled(client, MFA_RECOVERY_CODE)
    return await second_factor(ctx, client, params, "recovery-code", "recovery_code")
