"""Users import jobs (Auth0 `POST /api/v2/jobs/users-imports`): the file checked, split and stored,
one queue message per part (`edgeauth.users.bulk_import` imports them)."""

from __future__ import annotations

from typing import Any

from edgeauth.admin.connections import connection_row
from edgeauth.admin.errors import AdminError, bad_request
from edgeauth.admin.jobs import job_json, job_row
from edgeauth.connections import DATABASE_STRATEGY
from edgeauth.platform import Platform
from edgeauth.users.bulk_import import MAX_FILE_BYTES, UsersFileError, part_message, split_users
from edgeauth.users.jobs import IMPORT, Statement, insert_job, new_job_id

PARTS_PER_BATCH = 100  # parts stored per D1 batch


async def create_import_job(
    platform: Platform,
    tenant_id: str,
    *,
    connection_id: str,
    users: bytes,
    upsert: bool,
    external_id: str | None,
    send_completion_email: bool,
) -> dict[str, Any]:
    """Store the parts and the job, then queue one message per part; Auth0's 202 body."""
    connection = await connection_row(platform, tenant_id, connection_id)
    if connection["strategy"] != DATABASE_STRATEGY:
        raise bad_request("Connection must be a database connection.", "invalid_body")
    if len(users) > MAX_FILE_BYTES:
        message = f"Payload content length greater than maximum allowed: {MAX_FILE_BYTES}."
        raise AdminError(413, message, "payload_too_large")
    try:
        parts = split_users(users)
    except UsersFileError as exc:
        raise bad_request(str(exc), "invalid_body") from exc
    job_id = new_job_id()
    params: dict[str, Any] = {
        "connection_id": connection_id,
        "connection": connection["name"],
        "upsert": upsert,
        "send_completion_email": send_completion_email,
        **({"external_id": external_id} if external_id else {}),
    }
    statements: list[Statement] = [
        (
            "INSERT INTO job_parts (tenant_id, job_id, part, data) VALUES (?, ?, ?, ?)",
            [tenant_id, job_id, index, data],
        )
        for index, data in enumerate(parts)
    ]
    for start in range(0, len(statements), PARTS_PER_BATCH):
        await platform.db.batch(statements[start : start + PARTS_PER_BATCH])
    await platform.db.batch([insert_job(platform, tenant_id, job_id, IMPORT, params, len(parts))])
    await platform.user_events.send(part_message(tenant_id, job_id, 0))  # each part queues the next
    return job_json(await job_row(platform, tenant_id, job_id))
