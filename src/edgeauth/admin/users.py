"""Users (Auth0 `/api/v2/users`): one Durable Object per user is the truth, D1 holds a searchable copy.

Reads of one user (by id or email) and every change go to the user's object, so they see the
latest write at once; lists and searches read D1, fed by the USER_EVENTS queue within seconds.
"""

from __future__ import annotations

import json
import re
from typing import Any

from edgeauth.admin.errors import AdminError, bad_request, conflict, not_found
from edgeauth.admin.lucene import compile_query, invalid_query
from edgeauth.admin.tenant_admins import remove_admin_grants
from edgeauth.admin.tenants import require_tenant
from edgeauth.jose import unverified_json
from edgeauth.platform import Platform
from edgeauth.snapshots import load_client
from edgeauth.tokens import InvalidToken, verify_tenant_token
from edgeauth.users import imported_hashes
from edgeauth.users.accounts import (
    AccountError,
    AccountRefusal,
    check_connection,
    check_email,
    create_database_user,
    password_hash,
    profile_values,
)
from edgeauth.users.answers import Refusal, Refused
from edgeauth.users.d1_copy import OF_CONNECTION, overwrite_user
from edgeauth.users.objects import UserById, UserObjects

SEARCH_LIMIT = 1000  # Auth0: search results can be paged through the first 1000 users only
RECONCILE_PAGE = 200
# Auth0's normalized user fields: searched case-insensitively.
NORMALIZED = ("name", "given_name", "family_name", "nickname", "username")
# User-search v3 fields → SQL over D1's `users` row (metadata paths are built on demand).
SEARCH_COLUMNS = {
    "email": "email COLLATE NOCASE",
    "email.domain": "substr(email, instr(email, '@') + 1) COLLATE NOCASE",
    "user_id": "user_id",
    "created_at": "created_at",
    "last_login": "last_login",
    **{
        f"identities.{key}": f"json_extract(profile, '$.identities[0].{key}')"
        for key in ("connection", "provider", "user_id")
    },
    **{field: f"json_extract(profile, '$.{field}') COLLATE NOCASE" for field in NORMALIZED},
    **{
        field: f"json_extract(profile, '$.{field}')"
        for field in ("updated_at", "logins_count", "last_ip", "blocked", "email_verified", "picture")
    },
}
DEFAULT_SEARCH_FIELDS = ("email", "name", "nickname", "user_id")
_METADATA_PATH = re.compile(r"(app_metadata|user_metadata)((?:\.[A-Za-z0-9_\-]+)+)")


def inexistent_user() -> AdminError:
    return not_found("The user does not exist.", "inexistent_user")


def search_column(field: str) -> str | None:
    """A user-search v3 field → its SQL (None: not searchable); `app_metadata.a.b` → its JSON path."""
    if field in SEARCH_COLUMNS:
        return SEARCH_COLUMNS[field]
    if match := _METADATA_PATH.fullmatch(field):
        path = "".join(f'."{key}"' for key in match.group(2)[1:].split("."))
        return f"json_extract(profile, '$.{match.group(1)}{path}')"
    return None


def account_error(exc: AccountError) -> AdminError:
    """A refusal of `edgeauth.users.accounts` as Auth0's Management API words it."""
    if exc.code is AccountRefusal.USER_EXISTS:
        return conflict(exc.message, "auth0_idp_error")
    codes = {
        AccountRefusal.INVALID_PASSWORD: "invalid_password",
        AccountRefusal.UNKNOWN_CONNECTION: "inexistent_connection",
    }
    return bad_request(exc.message, codes.get(exc.code, "invalid_body"))


async def create_user(
    platform: Platform,
    tenant_id: str,
    *,
    email: str,
    password: str | None = None,
    stored_hash: str | None = None,
    connection: str = "",
    user_id: str | None = None,
    profile: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Auth0 `POST /users` on the database connection (also `edgeauth users create`)."""
    await require_tenant(platform, tenant_id)
    try:
        return await create_database_user(
            platform,
            tenant_id,
            email=email,
            password=password,
            stored_hash=stored_hash,
            connection=connection,
            user_id=user_id,
            profile=profile,
        )
    except AccountError as exc:
        raise account_error(exc) from exc


def stored_hash(password_hash: str | None = None, custom_password_hash: Any = None) -> str | None:
    """An imported hash's stored form; 400 with what is wrong in it."""
    try:
        if password_hash is not None:
            return imported_hashes.from_bcrypt(password_hash)
        if custom_password_hash is not None:
            return imported_hashes.from_custom(custom_password_hash)
    except imported_hashes.ImportedHashError as exc:
        raise bad_request(f"Payload validation error: {exc.message} ({exc.path}).", "invalid_body") from exc
    return None


async def find_user(platform: Platform, tenant_id: str, user_id: str) -> tuple[UserById, dict[str, Any]]:
    """The user with this id in the tenant and its profile, from its object (read-your-writes)."""
    found = await UserObjects(platform, tenant_id).find(user_id)
    if found is None or found[1]["user"] is None:
        raise inexistent_user()
    return found[0], found[1]["user"]


async def get_user(platform: Platform, tenant_id: str, user_id: str) -> dict[str, Any]:
    """Auth0 `GET /users/{id}`."""
    return (await find_user(platform, tenant_id, user_id))[1]


async def users_by_email(platform: Platform, tenant_id: str, email: str) -> list[dict[str, Any]]:
    """Auth0 `GET /users-by-email`: the users with this email (at most one database user here)."""
    await require_tenant(platform, tenant_id)
    user = (await UserObjects(platform, tenant_id).by_email(email).snapshot())["user"]
    return [user] if user is not None else []


async def _checked_changes(
    platform: Platform, tenant_id: str, changes: dict[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """The profile values to write (with a new password's hash) and the new email, if any."""
    values = profile_values(changes)
    if "connection" in changes:
        check_connection(changes["connection"])
    if changes.get("password") is not None:
        values["password_hash"] = await password_hash(platform, tenant_id, changes["password"])
    new_email = check_email(changes["email"]) if changes.get("email") is not None else None
    return values, new_email


async def update_user(
    platform: Platform, tenant_id: str, user_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Auth0 `PATCH /users/{id}`. A new email is claimed first (from then on it reaches this user)
    and resets `email_verified` unless given; the old email then reaches nobody and may sign up
    again. A new password, a block or a new email signs the user out everywhere."""
    user, current = await find_user(platform, tenant_id, user_id)
    try:
        values, new_email = await _checked_changes(platform, tenant_id, changes)
    except AccountError as exc:
        raise account_error(exc) from exc
    objects = UserObjects(platform, tenant_id)
    old_email = None
    if new_email is not None:
        if new_email != current["email"]:
            if not await objects.by_email(new_email).claim_name(user):
                raise AdminError(400, "The specified new email already exists", "auth0_idp_error")
            old_email = current["email"]
            values = {"email_verified": False, **values, "email": new_email}
    updated = await user.update_user(values)
    if updated is None:
        raise inexistent_user()
    if old_email is not None:
        await objects.by_email(old_email).release_name(user)
    return updated


async def delete_user(platform: Platform, tenant_id: str, user_id: str) -> None:
    """Auth0 `DELETE /users/{id}`: the object forgets everything (its id is never given again);
    the user's roles go, and so does every tenant-admin grant made to it."""
    user, current = await find_user(platform, tenant_id, user_id)
    if not await user.delete_user():
        raise inexistent_user()
    objects = UserObjects(platform, tenant_id)
    if current["email"]:
        await objects.by_email(current["email"]).release_name(user)
    if user.imported:
        await objects.by_alias(user_id).release_from(user.object_id)
    for table in ("user_roles", "user_permissions"):
        await platform.db.run(
            f"DELETE FROM {table} WHERE tenant_id = ? AND user_id = ?",  # noqa: S608 (fixed names)
            tenant_id,
            user_id,
        )
    await remove_admin_grants(platform, tenant_id, user_id)


def _order_by(sort: str) -> str:
    """Auth0 `sort=field:1` (ascending) or `field:-1`; user_id breaks ties so pages are stable."""
    if not sort:
        return "created_at, user_id"
    field, _, direction = sort.rpartition(":")
    column = search_column(field)
    if column is None or direction not in ("1", "-1"):
        raise invalid_query(f"cannot sort by '{sort}'")
    return f"{column} {'ASC' if direction == '1' else 'DESC'}, user_id"


async def list_users(
    platform: Platform,
    tenant_id: str,
    *,
    q: str = "",
    connection: str = "",
    sort: str = "",
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """Auth0 `GET /users` from D1's copy: user-search v3 `q`, `connection`, `sort`; the page and the
    total number of matches."""
    if offset + limit > SEARCH_LIMIT:
        raise invalid_query(f"You can only page through the first {SEARCH_LIMIT} records.")
    where, params = "tenant_id = ? AND deleted = 0", [tenant_id]
    if q.strip():
        sql, query_params = compile_query(q, search_column, DEFAULT_SEARCH_FIELDS)
        where, params = f"{where} AND {sql}", [*params, *query_params]
    if connection:
        where += OF_CONNECTION
        params.append(connection)
    rows = await platform.db.all(
        f"SELECT profile FROM users WHERE {where} ORDER BY {_order_by(sort)} LIMIT ? OFFSET ?",  # noqa: S608
        *params,
        limit,
        offset,
    )
    total = await platform.db.first(f"SELECT count(*) AS n FROM users WHERE {where}", *params)  # noqa: S608
    return [json.loads(row["profile"]) for row in rows], total["n"] if total else 0


async def reconcile_users(platform: Platform, tenant_id: str) -> dict[str, Any]:
    """`edgeauth users reconcile`: make every D1 row of the tenant equal its Durable Object.

    A stale or corrupted row is rewritten from the object; a row whose object has no user any more
    is marked deleted. Users with no D1 row at all cannot be found this way (Durable Objects cannot
    be listed on Workers); their object's outbox re-sends a lost event (docs/decisions.md)."""
    await require_tenant(platform, tenant_id)
    report: dict[str, Any] = {"checked": 0, "repaired": [], "deleted": []}
    after = ""
    while rows := await platform.db.all(
        "SELECT user_id, version, profile, deleted FROM users WHERE tenant_id = ? AND user_id > ?"
        " ORDER BY user_id LIMIT ?",
        tenant_id,
        after,
        RECONCILE_PAGE,
    ):
        for row in rows:
            outcome = await _reconcile_row(platform, tenant_id, row)
            if outcome:
                report[outcome].append(row["user_id"])
        report["checked"] += len(rows)
        after = rows[-1]["user_id"]
    return report


async def _reconcile_row(platform: Platform, tenant_id: str, row: dict[str, Any]) -> str | None:
    """Repair one row; which list of the report it belongs to, or None when it was right."""
    found = await UserObjects(platform, tenant_id).find(row["user_id"])
    snapshot = found[1] if found else {"version": 0, "user": None}
    user, version = snapshot["user"], snapshot["version"]
    if user is None:
        if row["deleted"]:
            return None
        profile = json.loads(row["profile"])
        version = max(version, row["version"])
        await overwrite_user(platform, tenant_id, row["user_id"], version, profile, deleted=True)
        return "deleted"
    if not row["deleted"] and row["version"] == version and json.loads(row["profile"]) == user:
        return None
    await overwrite_user(platform, tenant_id, row["user_id"], version, user, deleted=False)
    return "repaired"


# --- linked accounts (Auth0 `POST /users/{id}/identities`, `DELETE …/identities/{provider}/{id}`) ---


def linking_refusal(refusal: Refused) -> AdminError:
    """A user object's refusal of a link or an unlink, as Auth0's Management API words it."""
    if refusal.code == Refusal.NO_SUCH_USER:
        return not_found(refusal.message, "inexistent_user")
    if refusal.code == Refusal.UNSUPPORTED_SECONDARY:
        return bad_request(refusal.message, "operation_not_supported")
    return bad_request(refusal.message, "invalid_body")


async def link_user(
    platform: Platform, tenant_id: str, primary_id: str, secondary_id: str
) -> list[dict[str, Any]]:
    """The secondary account's identities move to the primary and the secondary is deleted; its
    identities' logins reach the primary from then on. Returns the primary's identities."""
    if primary_id == secondary_id:
        raise bad_request("The primary and the secondary account must differ.", "invalid_body")
    primary, _ = await find_user(platform, tenant_id, primary_id)
    objects = UserObjects(platform, tenant_id)
    found = await objects.find(secondary_id)
    secondary = await found[0].linkable_identities() if found else None
    if secondary is None or (isinstance(secondary, Refused) and secondary.code == Refusal.NO_SUCH_USER):
        raise not_found("The secondary user does not exist.", "inexistent_user")
    if isinstance(secondary, Refused):
        raise linking_refusal(secondary)
    linked = await primary.link_identities(secondary["identities"])
    if linked is None:
        raise inexistent_user()
    await delete_user(platform, tenant_id, secondary_id)
    for identity in secondary["identities"]:
        await objects.by_identity(identity["connection"], identity["user_id"]).point_to(primary)
    return linked


async def unlink_user(
    platform: Platform, tenant_id: str, primary_id: str, provider: str, user_id: str
) -> list[dict[str, Any]]:
    """The identity leaves the primary and is a user of its own again. Returns what remains."""
    result = await (await find_user(platform, tenant_id, primary_id))[0].unlink_identity(provider, user_id)
    if isinstance(result, Refused):
        raise linking_refusal(result)
    removed = result["removed"]
    await (
        UserObjects(platform, tenant_id)
        .by_identity(removed["connection"], removed["user_id"])
        .restore_unlinked(removed)
    )
    return result["identities"]


async def id_token_subject(platform: Platform, tenant_id: str, issuer: str, id_token: str) -> str:
    """Auth0 `link_with`: the `sub` of a live ID token this tenant issued to one of its clients."""
    audience = unverified_json(id_token, 1).get("aud")
    if not isinstance(audience, str) or await load_client(platform.config, tenant_id, audience) is None:
        raise bad_request("link_with must be an ID token of this tenant.", "invalid_body")
    try:
        claims = await verify_tenant_token(platform, tenant_id, issuer, id_token, audience)
    except InvalidToken as exc:
        raise bad_request("link_with must be an ID token of this tenant.", "invalid_body") from exc
    return str(claims["sub"])
