"""Users export (Auth0's users-exports jobs; docs/migrating-from-auth0.md): pages of D1's copy of the
users written as parts of the file, one queue message each (`queues.user_jobs`), in `user_id`
order; each message queues the next. The file is NDJSON (one user a line) or CSV, gzipped.

The field `custom_password_hash` reads each user's hash from its Durable Object and writes it
exactly as the users import takes it back.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from typing import Any

from edgeauth.platform import Platform
from edgeauth.users.d1_copy import OF_CONNECTION
from edgeauth.users.jobs import COMPLETED, in_windows, load_job
from edgeauth.users.objects import UserObjects

MESSAGE_TYPE = "users_export"
EXPORT_PAGE = 500
HASH_FIELD = "custom_password_hash"
DEFAULT_FIELDS = (
    "user_id", "email", "email_verified", "name", "given_name", "family_name", "nickname", "picture",
    "username", "blocked", "created_at", "updated_at", "last_login", "logins_count", "identities",
    "app_metadata", "user_metadata",
)  # fmt: skip
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def page_message(tenant_id: str, job_id: str, part: int, after: str, written: int) -> dict[str, Any]:
    """Page `part`: the users after `after`, `written` of them already written."""
    return {
        "type": MESSAGE_TYPE,
        "tenant_id": tenant_id,
        "job_id": job_id,
        "part": part,
        "after": after,
        "written": written,
    }


def wants_hashes(fields: list[dict[str, str]] | None) -> bool:
    return any(field.get("name") == HASH_FIELD for field in fields or [])


async def export_part(platform: Platform, message: dict[str, Any]) -> None:
    """One page of an export (a USER_EVENTS message): write it as part `part`, then queue the next
    page or mark the job completed. A page written again is written the same."""
    tenant_id, job_id, part = message["tenant_id"], message["job_id"], int(message["part"])
    job = await load_job(platform, tenant_id, job_id)
    if job is None or job["status"] == COMPLETED:
        return
    params = json.loads(job["params"])
    page = min(EXPORT_PAGE, params.get("limit", 1 << 62) - message["written"])
    users = await _page(platform, tenant_id, params.get("connection"), message["after"], page)
    lines = await in_windows(users, lambda _, user: _exported(platform, tenant_id, params["fields"], user))
    data = _csv(params["fields"], lines, header=part == 0) if params["format"] == "csv" else _ndjson(lines)
    written = message["written"] + len(users)
    more = len(users) == page and written < params.get("limit", 1 << 62)
    await platform.db.batch(
        [
            (
                "INSERT OR REPLACE INTO job_parts (tenant_id, job_id, part, data, done)"
                " VALUES (?, ?, ?, ?, 1)",
                [tenant_id, job_id, part, data],
            ),
            (
                "UPDATE jobs SET parts = ?, total = ?, status = ? WHERE tenant_id = ? AND id = ?",
                [part + 1, written, job["status"] if more else COMPLETED, tenant_id, job_id],
            ),
        ]
    )
    if more:
        after = users[-1]["user_id"]
        await platform.user_events.send(page_message(tenant_id, job_id, part + 1, after, written))


async def _page(
    platform: Platform, tenant_id: str, connection: str | None, after: str, limit: int
) -> list[dict[str, Any]]:
    if limit <= 0:
        return []
    where, params = "tenant_id = ? AND deleted = 0 AND user_id > ?", [tenant_id, after]
    if connection:
        where += OF_CONNECTION
        params.append(connection)
    rows = await platform.db.all(
        f"SELECT profile FROM users WHERE {where} ORDER BY user_id LIMIT ?",  # noqa: S608 (fixed SQL)
        *params,
        limit,
    )
    return [json.loads(row["profile"]) for row in rows]


async def _exported(
    platform: Platform, tenant_id: str, fields: list[dict[str, str]], user: dict[str, Any]
) -> dict[str, Any]:
    """The user's line: each field under its `export_as` name, absent values left out."""
    line: dict[str, Any] = {}
    for field in fields:
        name = field["name"]
        value = await _password(platform, tenant_id, user) if name == HASH_FIELD else _value(user, name)
        if value is not None:
            line[field.get("export_as") or name] = value
    return line


async def _password(platform: Platform, tenant_id: str, user: dict[str, Any]) -> dict[str, Any] | None:
    """From the user's own object: by its id when this deployment gave it, else by its alias."""
    objects = UserObjects(platform, tenant_id)
    own = objects.by_own_id(user["user_id"])
    exported = await own.exported_password() if own else None
    if exported is None:
        imported = await objects.by_imported_id(user["user_id"])
        exported = await imported.exported_password() if imported else None
    return exported


def _value(user: dict[str, Any], path: str) -> Any:
    """`email`, `app_metadata.plan`, `identities[0].connection`: Auth0's field paths."""
    value: Any = user
    for name, index in _STEP.findall(path):
        if name:
            value = value.get(name) if isinstance(value, dict) else None
        else:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    return value


def _ndjson(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)


def _csv(fields: list[dict[str, str]], lines: list[dict[str, Any]], *, header: bool) -> str:
    """One column per field; objects and lists as JSON text."""
    columns = [field.get("export_as") or field["name"] for field in fields]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for line in lines:
        writer.writerow([_cell(line.get(column)) for column in columns])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, dict | list) else value


async def export_parts(platform: Platform, tenant_id: str, job_id: str) -> list[str]:
    """The finished file's parts, in order (NDJSON or CSV text)."""
    rows = await platform.db.all(
        "SELECT data FROM job_parts WHERE tenant_id = ? AND job_id = ? ORDER BY part", tenant_id, job_id
    )
    return [str(row["data"]) for row in rows]


async def export_file(platform: Platform, tenant_id: str, job_id: str) -> bytes:
    """The finished file, gzipped: one gzip member per part (concatenated members are one file)."""
    parts = await export_parts(platform, tenant_id, job_id)
    return b"".join(gzip.compress(part.encode(), mtime=0) for part in parts)
