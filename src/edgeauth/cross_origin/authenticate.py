"""`POST /co/authenticate` (auth0.js `login` / `passwordlessLogin` in embedded mode).

The browser posts the credentials with cookies from the application's origin; the answer is
`{login_ticket, co_verifier, co_id}` and the SDK then navigates to `/authorize?login_ticket=…`,
which redeems the ticket once, for this client, within two minutes. Only an application with
cross-origin authentication on, called from one of its allowed origins, gets credentialed CORS.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from edgeauth import audit
from edgeauth.connections import DATABASE_CONNECTION, DATABASE_STRATEGY, EMAIL_STRATEGY
from edgeauth.cross_origin.verification import co_id, new_verifier, set_verifier_cookie
from edgeauth.http.body import read_params, string_param
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.errors import NO_STORE, OAuthError
from edgeauth.login.connections import enabled_with_strategy
from edgeauth.login.events import record_user_event
from edgeauth.oauth.grants.password import PASSWORD, PASSWORD_REALM
from edgeauth.oauth.grants.passwordless_otp import GRANT_TYPE as PASSWORDLESS_OTP
from edgeauth.oauth.grants.rules import login_refusal, required_param
from edgeauth.snapshots import Client, load_client
from edgeauth.users import completion, lazy_migration
from edgeauth.users.answers import Login, Refusal, Refused, in_browser

# credential_type → the strategy its realm must have (`password` uses the database connection).
REALM_STRATEGIES = {
    PASSWORD: DATABASE_STRATEGY,
    PASSWORD_REALM: DATABASE_STRATEGY,
    PASSWORDLESS_OTP: EMAIL_STRATEGY,
}


def allowed_origin(request: Request, client: Client | None) -> str:
    """The request's origin when the client allows cross-origin authentication from it; else ''."""
    origin = (request.headers.get("origin") or "").rstrip("/")
    if client is None or not client.cross_origin_authentication:
        return ""
    return origin if origin in {o.rstrip("/") for o in client.cors_origins} else ""


async def check_client(ctx: RequestContext, request: Request, params: dict[str, Any]) -> Client:
    client = await load_client(ctx.platform.config, ctx.tenant.id, required_param(params, "client_id"))
    if not allowed_origin(request, client):
        raise OAuthError("unauthorized_client", "Cross origin login not allowed.", 403)
    assert client is not None
    return client


async def check_realm(
    ctx: RequestContext, client: Client, credential_type: str, params: dict[str, Any]
) -> str:
    """The connection the credential belongs to: `realm`, enabled for the client, of the right kind."""
    strategy = REALM_STRATEGIES.get(credential_type)
    if strategy is None:
        raise OAuthError("unsupported_credential_type", f"Unknown credential type: {credential_type}")
    realm = DATABASE_CONNECTION if credential_type == PASSWORD else required_param(params, "realm")
    if await enabled_with_strategy(ctx, client.client_id, realm, strategy) is None:
        raise OAuthError("invalid_request", f"Unknown or disabled connection: {realm}")
    return realm


async def check_credentials(
    ctx: RequestContext, client: Client, params: dict[str, Any], verifier_digest: str
) -> Login | Refused:
    """The user's object checks the password or the email code and issues the login ticket."""
    credential_type = string_param(params, "credential_type") or PASSWORD
    await check_realm(ctx, client, credential_type, params)
    username = required_param(params, "username")
    ticket = completion.login_ticket(client.client_id, verifier_digest)
    if credential_type == PASSWORDLESS_OTP:
        return in_browser(
            await ctx.users.by_email(username).login_with_email_code(
                required_param(params, "otp"), ticket, ctx.ip
            )
        )
    password = required_param(params, "password")
    return in_browser(
        await lazy_migration.login_with_password(ctx.platform, ctx.tenant, username, password, ticket, ctx.ip)
    )


def refusal(result: Refused) -> OAuthError:
    """Wrong credentials are `access_denied` here (Auth0); a block or a lockout as on the token path."""
    if result.code in (Refusal.BLOCKED, Refusal.TOO_MANY_ATTEMPTS):
        return login_refusal(result)
    return OAuthError("access_denied", result.message, 403)


def credentialed(request: Request, response: Response, client: Client | None) -> Response:
    """Credentialed CORS, for an allowed origin only (never `*`)."""
    response.headers["Vary"] = "Origin"
    origin = allowed_origin(request, client)
    if origin:
        response.headers["Access-Control-Allow-Origin"] = request.headers["origin"]
        response.headers["Access-Control-Allow-Credentials"] = "true"
    return response


async def co_authenticate(request: Request) -> Response:
    ctx = request_context(request)
    client: Client | None = None
    params: dict[str, Any] = {}
    try:
        params = await read_params(request)
        client = await check_client(ctx, request, params)
        verifier, verifier_digest = new_verifier()
        result = await check_credentials(ctx, client, params, verifier_digest)
        if isinstance(result, Refused):
            raise refusal(result)
    except OAuthError as exc:
        await record_user_event(
            ctx,
            request,
            audit.FAILED_CROSS_ORIGIN_AUTHENTICATION,
            exc.description,
            client=client,
            email=str(params.get("username", "")),
        )
        return credentialed(request, exc.response(), client)
    user = result["user"]
    await record_user_event(
        ctx,
        request,
        audit.SUCCESS_CROSS_ORIGIN_AUTHENTICATION,
        client=client,
        email=user["email"],
        user_id=user["user_id"],
    )
    ticket = result["login_ticket"]
    body = {"login_ticket": ticket, "co_verifier": verifier, "co_id": co_id(ticket)}
    response = JSONResponse(body, headers=NO_STORE)
    set_verifier_cookie(ctx, response, verifier)
    return credentialed(request, response, client)
