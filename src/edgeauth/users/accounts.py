"""Creating and changing accounts of the database connection: the checks every caller shares (the
Management API and CLI, `/dbconnections/signup`, the hosted signup page, passwordless start).

A refusal is an `AccountError` with a `code`; each edge words it in its own API's terms
(`edgeauth.admin.users` for the Management API, the signup endpoints for Auth0's signup errors).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from edgeauth.connections import DATABASE_CONNECTION, DATABASE_STRATEGY
from edgeauth.platform import Platform
from edgeauth.snapshots import load_tenant
from edgeauth.users.answers import Created
from edgeauth.users.directory import normalize_email
from edgeauth.users.objects import UserObjects
from edgeauth.users.passwords import MIN_LENGTH, PasswordPolicyError, check_policy, hash_password
from edgeauth.users.profile import EDITABLE, METADATA

# Auth0 refuses `null` for these in a PATCH.
NOT_NULL = ("email_verified", "blocked", *METADATA)


class AccountRefusal(StrEnum):
    INVALID_EMAIL = "invalid_email"
    INVALID_PASSWORD = "invalid_password"
    INVALID_PROFILE = "invalid_profile"
    UNKNOWN_CONNECTION = "unknown_connection"
    USER_EXISTS = "user_exists"


class AccountError(ValueError):
    """The account cannot be created or changed as asked."""

    def __init__(self, code: AccountRefusal, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_email(email: str) -> str:
    """The normal form of a plausible address (Auth0's `format email`)."""
    address = normalize_email(email)
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address or "@" in domain:
        raise AccountError(
            AccountRefusal.INVALID_EMAIL, f"Object didn't pass validation for format email: {email}"
        )
    return address


def check_connection(connection: str) -> str:
    """Users live in the database connection (the only `auth0` one here)."""
    connection = connection or DATABASE_CONNECTION
    if connection != DATABASE_CONNECTION:
        raise AccountError(AccountRefusal.UNKNOWN_CONNECTION, f"The connection {connection} does not exist.")
    return connection


def profile_values(changes: dict[str, Any]) -> dict[str, Any]:
    """The editable profile values; Auth0 refuses `null` for flags and metadata, and metadata
    names with a `.` or a leading `$`."""
    for key in NOT_NULL:
        if key in changes and changes[key] is None:
            raise AccountError(
                AccountRefusal.INVALID_PROFILE,
                f"Payload validation error: 'Expected a value but found null' on property {key}.",
            )
    for key in METADATA:
        if any("." in name or name.startswith("$") for name in changes.get(key) or {}):
            raise AccountError(
                AccountRefusal.INVALID_PROFILE,
                f"Payload validation error: {key} field names cannot contain '.' or start with '$'.",
            )
    return {key: value for key, value in changes.items() if key in EDITABLE}


async def password_hash(platform: Platform, tenant_id: str, password: str) -> str:
    """The tenant's password policy (Auth0 `invalid_password`), then PBKDF2."""
    tenant = await load_tenant(platform.config, tenant_id)
    try:
        check_policy(password, tenant.password_min_length if tenant else MIN_LENGTH)
    except PasswordPolicyError as exc:
        raise AccountError(AccountRefusal.INVALID_PASSWORD, str(exc)) from exc
    return await hash_password(platform.crypto, password)


def imported_user_id(user_id: str) -> str:
    """Auth0 prefixes an imported `user_id` with the connection's strategy; one given with the
    prefix already (as Auth0's own export writes it) is not prefixed twice."""
    return user_id if user_id.startswith(f"{DATABASE_STRATEGY}|") else f"{DATABASE_STRATEGY}|{user_id}"


async def create_database_user(
    platform: Platform,
    tenant_id: str,
    *,
    email: str,
    password: str | None = None,
    stored_hash: str | None = None,
    connection: str = "",
    profile: dict[str, Any] | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """A new user of the database connection, with a password or an imported hash (`stored_hash`)
    and maybe an imported `user_id`; `USER_EXISTS` when the email or the id has one already."""
    connection = check_connection(connection)
    hashed = await password_hash(platform, tenant_id, password) if password is not None else stored_hash
    result = await create_account(
        UserObjects(platform, tenant_id), check_email(email), connection, hashed, profile or {}, user_id
    )
    if not result["created"] or result["user"] is None:
        raise AccountError(AccountRefusal.USER_EXISTS, "The user already exists.")
    return result["user"]


async def create_account(
    objects: UserObjects,
    email: str,
    connection: str,
    hashed: str | None,
    profile: dict[str, Any],
    user_id: str | None,
    marker: str = "",
) -> Created:
    """The user object's answer to creating the account (an imported one without a password when
    `hashed` is None); an imported id already used by a user with another email refuses."""
    values = profile_values(profile)
    wanted = imported_user_id(user_id) if user_id else None
    # An id shaped like the ones this deployment gives may name a user of ours; any other id is
    # checked by its alias's claim below.
    own = objects.by_own_id(wanted) if wanted else None
    holder = (await own.snapshot())["user"] if own else None
    if holder is not None and holder["email"] != email:
        raise AccountError(AccountRefusal.USER_EXISTS, "The user already exists.")
    result = await objects.by_email(email).create_user(connection, hashed, values, wanted, marker)
    if result["user"] is None:  # the imported id is another user's
        raise AccountError(AccountRefusal.USER_EXISTS, "The user already exists.")
    return result
