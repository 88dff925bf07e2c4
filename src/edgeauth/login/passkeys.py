"""Passkeys as a first factor on the hosted pages (Auth0's passkeys, the prompts setting
`webauthn_platform_first_factor`): the login page's "Continue with a passkey" (and the browser's
autofill of passkeys in the email field), and the signup page's "Sign up with a passkey", whose
second page creates one. Answers go to `POST /u/passkey` (`login/passkey_submit.py`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from edgeauth.encoding import b64url_encode
from edgeauth.http.context import RequestContext
from edgeauth.login.rendering import form_error, page_context, render_page
from edgeauth.oauth.authorize.request import AuthorizationRequest
from edgeauth.webauthn import challenges, options

LOGIN = "passkey:get"
PASSKEY_CODE_PATH = "/u/passkey/code"


def signup_ceremony(email: str) -> str:
    """A signup's challenge names its email: the passkey is made for that account only."""
    return f"passkey:create:{email}"


async def passkey_login(ctx: RequestContext) -> dict[str, Any] | None:
    """What the login page's passkey form needs (a fresh challenge; no credentials named, so the
    browser offers this site's passkeys); None when the tenant has passkeys off."""
    if not ctx.tenant.passkeys:
        return None
    challenge = await challenges.issue(ctx.platform.crypto, ctx.tenant.id, LOGIN, ctx.platform.now())
    public_key = options.request(ctx.issuer, challenge.value, options.PASSKEY, [])
    return {"challenge": challenge.sealed, "public_key": public_key}


async def passkey_signup_page(
    ctx: RequestContext,
    request: Request,
    authz: AuthorizationRequest,
    state: str,
    email: str,
    error_key: str = "",
    challenge: challenges.Challenge | None = None,
) -> Response:
    """ "Create a passkey" for a new account of `email`, once its code was right; after a refused
    answer, with the same `challenge` (the proof of the email does not outlive its ten minutes)."""
    if challenge is None:
        ceremony = signup_ceremony(email)
        challenge = await challenges.issue(ctx.platform.crypto, ctx.tenant.id, ceremony, ctx.platform.now())
    handle = b64url_encode(bytes.fromhex(ctx.users.email_object_id(email)))
    user = {"id": handle, "name": email, "displayName": email}
    context = page_context(ctx, request, authz.ui_locales)
    context.update(
        state=state,
        email=email,
        challenge=challenge.sealed,
        public_key=options.creation(
            ctx.issuer, ctx.tenant.friendly_name, user, challenge.value, options.PASSKEY, []
        ),
        **form_error(ctx, context, error_key, "webauthn-start"),
    )
    return await render_page(ctx, "passkey_create.html", context, 400 if error_key else 200)
