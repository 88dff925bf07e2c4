"""Users import (Auth0's bulk-import schema; docs/migrating-from-auth0.md): a users file split into
parts, each imported by one queue message (`queues.user_jobs`), in the file's order.

Each user is written through its Durable Object (the D1 copy follows as for any change), keeping
its `user_id` and password hash. A part that is delivered again re-imports its users: a user its
own row created (the object keeps the row's marker, `{job}/{part}/{row}`) counts as inserted again,
not as a duplicate, so a retry reports what a single run would.
"""

from __future__ import annotations

import json
from typing import Any

from edgeauth.platform import Platform
from edgeauth.ports import SqlParam
from edgeauth.users import imported_hashes
from edgeauth.users.accounts import AccountError, check_email, create_account, profile_values
from edgeauth.users.jobs import COMPLETED, Statement, in_windows, load_job, part_data
from edgeauth.users.objects import UserObjects
from edgeauth.users.profile import METADATA

MESSAGE_TYPE = "users_import"
IMPORT_PART_USERS = 500
# Auth0 takes files of 500 KB; edgeauth takes larger ones (a 100,000-user file is ~25 MB), bounded
# by what a Worker can hold while it splits the file.
MAX_FILE_BYTES = 32 * 1024 * 1024
STRINGS = ("email", "user_id", "given_name", "family_name", "name", "nickname", "picture", "username")
BOOLEANS = ("email_verified", "blocked")
OBJECTS = ("app_metadata", "user_metadata", "custom_password_hash")
KNOWN = (*STRINGS, *BOOLEANS, *OBJECTS, "password_hash")
# Auth0: `app_metadata` of an imported user may not hold these.
RESERVED_APP_METADATA = frozenset(
    "__tenant _id blocked clientID created_at email_verified email globalClientID global_client_id"
    " identities lastIP lastLogin loginsCount metadata multifactor_last_modified multifactor updated_at"
    " user_id".split()
)
REDACTED = "*****"
# Auth0: what an upsert leaves as it was.
NOT_UPSERTED = ("blocked", "username")


class RowError(ValueError):
    """A user of the file that is not imported: Auth0's `{code, message, path}` errors."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


def _error(code: str, message: str, path: str) -> dict[str, str]:
    return {"code": code, "message": message, "path": path}


class UsersFileError(ValueError):
    """A users file that is not a JSON array of users."""


def split_users(data: bytes) -> list[str]:
    """The file's users, `IMPORT_PART_USERS` to a part, each part a JSON array's text. The array is
    read one user at a time, so a large file is never all Python objects at once."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsersFileError("Users file must be UTF-8 encoded JSON.") from exc
    decoder, position, parts, part = json.JSONDecoder(), _skip(text, 0), [], []
    if not text.startswith("[", position):
        raise UsersFileError("Users file must be a JSON array of users.")
    position = _skip(text, position + 1)
    while position < len(text) and text[position] != "]":
        try:
            _, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise UsersFileError(f"Users file is not valid JSON: {exc.msg} at {exc.pos}.") from exc
        part.append(text[position:end])
        if len(part) == IMPORT_PART_USERS:
            parts.append("[" + ",".join(part) + "]")
            part = []
        position = _skip(text, end)
        if text.startswith(",", position):
            position = _skip(text, position + 1)
        elif not text.startswith("]", position):
            raise UsersFileError("Users file is not valid JSON: expected ',' or ']'.")
    if position >= len(text) or _skip(text, position + 1) != len(text):
        raise UsersFileError("Users file is not valid JSON: the array does not end.")
    if part:
        parts.append("[" + ",".join(part) + "]")
    if not parts:
        raise UsersFileError("Users file must not be empty.")
    return parts


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def part_message(tenant_id: str, job_id: str, part: int) -> dict[str, Any]:
    return {"type": MESSAGE_TYPE, "tenant_id": tenant_id, "job_id": job_id, "part": part}


async def import_part(platform: Platform, message: dict[str, Any]) -> None:
    """One part of an import (a USER_EVENTS message): import its users, then count them, store
    their errors and mark the part done in one D1 batch, then queue the next part. Parts go in the
    file's order, so of two users with one email the first in the file is imported (Auth0). A part
    already done only queues the next (its first delivery may have stopped before that)."""
    tenant_id, job_id, part = message["tenant_id"], message["job_id"], int(message["part"])
    found = await part_data(platform, tenant_id, job_id, part)
    job = await load_job(platform, tenant_id, job_id)
    if found is None or job is None:
        return
    if not found["done"]:
        await _import_users(platform, job, part, json.loads(found["data"]))
    if part + 1 < job["parts"]:
        await platform.user_events.send(part_message(tenant_id, job_id, part + 1))


async def _import_users(platform: Platform, job: dict[str, Any], part: int, users: list[Any]) -> None:
    tenant_id, job_id, params = job["tenant_id"], job["id"], json.loads(job["params"])
    objects = UserObjects(platform, tenant_id)
    first_rows = _first_rows(users)

    async def outcome(row: int, user: Any) -> str | RowError:
        try:
            if first_rows.get(_email_of(user), row) != row:
                raise RowError([_error("DUPLICATED_USER", "The user appears earlier in the file.", "email")])
            return await import_user(objects, params, user, f"{job_id}/{part}/{row}")
        except RowError as exc:
            return exc

    outcomes = await in_windows(users, outcome)
    counts = {kind: outcomes.count(kind) for kind in ("inserted", "updated")}
    counts["failed"] = len(users) - counts["inserted"] - counts["updated"]
    errors: list[Statement] = [
        (
            "INSERT OR REPLACE INTO job_errors (tenant_id, job_id, part, row, user, errors)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [tenant_id, job_id, part, row, json.dumps(redacted(users[row])), json.dumps(outcome.errors)],
        )
        for row, outcome in enumerate(outcomes)
        if isinstance(outcome, RowError)
    ]
    await platform.db.batch([*errors, *_count_part(tenant_id, job_id, part, len(users), counts)])


def _email_of(user: Any) -> str:
    email = user.get("email") if isinstance(user, dict) else None
    return email.strip().lower() if isinstance(email, str) else ""


def _first_rows(users: list[Any]) -> dict[str, int]:
    """Each email's first row in the part (the part's users are imported a few at a time)."""
    first: dict[str, int] = {}
    for row, user in enumerate(users):
        first.setdefault(_email_of(user), row)
    first.pop("", None)
    return first


def _count_part(
    tenant_id: str, job_id: str, part: int, total: int, counts: dict[str, int]
) -> list[Statement]:
    """Add the part's counts to the job (once: only while the part is not done), then mark it."""
    added: list[SqlParam] = [counts["inserted"], counts["updated"], counts["failed"], total, COMPLETED]
    return [
        (
            "UPDATE jobs SET done = done + 1, inserted = inserted + ?, updated = updated + ?,"
            " failed = failed + ?, total = total + ?,"
            " status = CASE WHEN done + 1 >= parts THEN ? ELSE status END"
            " WHERE tenant_id = ? AND id = ? AND EXISTS (SELECT 1 FROM job_parts"
            " WHERE tenant_id = ? AND job_id = ? AND part = ? AND done = 0)",
            [*added, tenant_id, job_id, tenant_id, job_id, part],
        ),
        (
            "UPDATE job_parts SET done = 1 WHERE tenant_id = ? AND job_id = ? AND part = ?",
            [tenant_id, job_id, part],
        ),
    ]


def redacted(user: Any) -> Any:
    """The user as `GET /jobs/{id}/errors` shows it: hashes, salts and keys hidden (as Auth0 does)."""
    if not isinstance(user, dict):
        return user
    shown = dict(user)
    if "password_hash" in shown:
        shown["password_hash"] = REDACTED
    custom = shown.get("custom_password_hash")
    if isinstance(custom, dict):
        shown["custom_password_hash"] = {
            key: {**value, "value": REDACTED} if isinstance(value, dict) and "value" in value else value
            for key, value in custom.items()
        }
    return shown


def checked_user(user: Any) -> tuple[str, str | None, dict[str, Any]]:
    """Auth0's bulk-import schema: the email, the stored form of the hash (if any) and the profile
    values; `RowError` with every problem found."""
    if not isinstance(user, dict):
        raise RowError([_error("INVALID_TYPE", "Expected type object", "")])
    problems = [
        _error("INVALID_TYPE", f"Additional property {key} not allowed", key)
        for key in user
        if key not in KNOWN
    ]
    problems += [
        _error("INVALID_TYPE", "Expected type string", key) for key in STRINGS if _wrong(user, key, str)
    ]
    problems += [
        _error("INVALID_TYPE", "Expected type boolean", key) for key in BOOLEANS if _wrong(user, key, bool)
    ]
    problems += [
        _error("INVALID_TYPE", "Expected type object", key) for key in OBJECTS if _wrong(user, key, dict)
    ]
    reserved = RESERVED_APP_METADATA & set(user.get("app_metadata") or {})
    problems += [
        _error("NOT_PASSED", f"app_metadata may not contain {name}", "app_metadata") for name in reserved
    ]
    if "email" not in user:
        problems.append(_error("OBJECT_REQUIRED", "Missing required property: email", "email"))
    if "password_hash" in user and "custom_password_hash" in user:
        problems.append(_error("CONFLICT", "password_hash and custom_password_hash exclude each other", ""))
    if problems:
        raise RowError(problems)
    try:
        email = check_email(user["email"])
        values = profile_values({key: user[key] for key in (*STRINGS, *BOOLEANS, *OBJECTS) if key in user})
        return email, _stored_hash(user), values
    except AccountError as exc:
        raise RowError([_error("FORMAT", exc.message, "email")]) from exc
    except imported_hashes.ImportedHashError as exc:
        raise RowError([_error(exc.code, exc.message, exc.path)]) from exc


def _wrong(user: dict[str, Any], key: str, kind: type) -> bool:
    return key in user and not isinstance(user[key], kind)


def _stored_hash(user: dict[str, Any]) -> str | None:
    if "password_hash" in user:
        return imported_hashes.from_bcrypt(str(user["password_hash"]))
    if "custom_password_hash" in user:
        return imported_hashes.from_custom(user["custom_password_hash"])
    return None


async def import_user(objects: UserObjects, params: dict[str, Any], user: Any, marker: str) -> str:
    """Import one user: `inserted` (also when this row created it before a retry: its `marker`),
    `updated` (an existing user, with `upsert`), or `RowError` (`DUPLICATED_USER` without it)."""
    email, hashed, values = checked_user(user)
    wanted = user.get("user_id")
    try:
        result = await create_account(objects, email, params["connection"], hashed, values, wanted, marker)
    except AccountError as exc:
        raise RowError([_error("DUPLICATED_USER", "The user already exists.", "user_id")]) from exc
    existing = result["user"]
    if result["created"] or existing is None or result["marker"] == marker:
        return "inserted"
    if not params["upsert"]:
        raise RowError([_error("DUPLICATED_USER", "The user already exists.", "email")])
    found = objects.in_object(existing["user_id"], result["object_id"], imported=False)
    changes = {key: value for key, value in values.items() if key not in NOT_UPSERTED}
    for key in METADATA:  # replaced whole, as Auth0's upsert does (a PATCH merges)
        if key in changes:
            changes[key] = {**dict.fromkeys(existing[key]), **changes[key]}
    if hashed is not None:
        changes["imported_password_hash"] = hashed
    if found is not None:
        await found.update_user(changes)
    return "updated"
