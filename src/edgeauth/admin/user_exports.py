"""Users export jobs (Auth0 `POST /api/v2/jobs/users-exports`): the job stored and its first page
queued (`edgeauth.users.bulk_export` writes the file). With the field `custom_password_hash` the
caller needs `read:users_password_hashes`, and the export is logged."""

from __future__ import annotations

from typing import Any

from edgeauth import audit
from edgeauth.admin.connections import connection_row
from edgeauth.admin.jobs import job_json, job_row
from edgeauth.platform import Platform
from edgeauth.users.bulk_export import DEFAULT_FIELDS, page_message, wants_hashes
from edgeauth.users.jobs import EXPORT, insert_job, new_job_id

HASH_SCOPE = "read:users_password_hashes"
LINK_SECONDS = 60  # Auth0's export links live a minute; `GET /jobs/{id}` gives a fresh one


async def create_export_job(
    platform: Platform,
    tenant_id: str,
    *,
    connection_id: str | None,
    format: str,
    limit: int | None,
    fields: list[dict[str, str]] | None,
    client_id: str = "",
) -> dict[str, Any]:
    """Store the job and queue its first page; an export of password hashes is logged, with the
    application (`client_id`) that asked (none from the CLI)."""
    params: dict[str, Any] = {"format": format}
    if connection_id:
        row = await connection_row(platform, tenant_id, connection_id)
        params.update(connection_id=connection_id, connection=row["name"])
    if limit is not None:
        params["limit"] = limit
    params["fields"] = fields or [{"name": name} for name in DEFAULT_FIELDS]
    job_id = new_job_id()
    await platform.db.batch([insert_job(platform, tenant_id, job_id, EXPORT, params, 0)])
    await platform.user_events.send(page_message(tenant_id, job_id, 0, "", 0))
    if wants_hashes(params["fields"]):
        details = {"job_id": job_id, "connection_id": connection_id}
        await audit.record(
            platform,
            tenant_id,
            audit.SUCCESS_API_OPERATION,
            "Export of password hashes",
            details,
            client_id=client_id,
        )
    return job_json(await job_row(platform, tenant_id, job_id))
