"""`POST /dbconnections/signup` (Auth0 Authentication API: auth0.js `signup`, auth0-python
`Database.signup`): a database user with the optional profile fields, then the verification email."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from edgeauth import audit
from edgeauth.database.errors import DatabaseError, bad_parameter, invalid_signup, password_too_weak
from edgeauth.database.requests import database_request
from edgeauth.database.verification import send_verification_email
from edgeauth.http.body import string_param
from edgeauth.http.context import RequestContext, request_context
from edgeauth.http.errors import NO_STORE
from edgeauth.login.events import record_user_event
from edgeauth.snapshots import Client
from edgeauth.users.accounts import AccountError, AccountRefusal, create_database_user

PROFILE_STRINGS = ("username", "given_name", "family_name", "name", "nickname", "picture")


def signup_profile(params: dict[str, Any]) -> dict[str, Any]:
    """The optional profile fields a signup may set (strings, and `user_metadata` an object)."""
    profile: dict[str, Any] = {}
    for name in PROFILE_STRINGS:
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            raise bad_parameter(name, f"{name} must be a string")
        if value:
            profile[name] = value
    metadata = params.get("user_metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise bad_parameter("user_metadata", "user_metadata must be an object")
    if metadata:
        profile["user_metadata"] = metadata
    return profile


def signup_refusal(ctx: RequestContext, error: AccountError) -> DatabaseError:
    """An account refusal in Auth0's `/dbconnections/signup` words."""
    if error.code is AccountRefusal.INVALID_PASSWORD:
        return password_too_weak(ctx.tenant.password_min_length)
    if error.code is AccountRefusal.USER_EXISTS:
        return invalid_signup()
    return bad_parameter("email" if error.code is AccountRefusal.INVALID_EMAIL else "signup", error.message)


def signup_json(user: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """Auth0's answer: `_id` (the id without its provider), `email`, `email_verified`, the profile."""
    return {
        "_id": user["user_id"].partition("|")[2],
        "email": user["email"],
        "email_verified": user["email_verified"],
        **profile,
    }


async def create_signup(
    ctx: RequestContext, request: Request, client: Client, params: dict[str, Any]
) -> Response:
    email = string_param(params, "email")
    profile = signup_profile(params)
    try:
        user = await create_database_user(
            ctx.platform,
            ctx.tenant.id,
            email=email,
            password=string_param(params, "password"),
            connection=string_param(params, "connection"),
            profile=profile,
        )
    except AccountError as exc:
        refusal = signup_refusal(ctx, exc)
        await record_user_event(
            ctx,
            request,
            audit.FAILED_SIGNUP,
            exc.message,
            client=client,
            connection=params["connection"],
            email=email,
        )
        raise refusal from exc
    await record_user_event(
        ctx,
        request,
        audit.SUCCESS_SIGNUP,
        client=client,
        connection=params["connection"],
        email=email,
        user_id=user["user_id"],
    )
    await send_verification_email(ctx, request, user, client)
    return JSONResponse(signup_json(user, profile), headers=NO_STORE)


async def signup(request: Request) -> Response:
    ctx = request_context(request)
    return await database_request(ctx, request, create_signup, required=("email", "password", "connection"))
