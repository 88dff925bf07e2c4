"""Jobs (Auth0 `/api/v2/jobs`) as the Management API shows them (`edgeauth.users.jobs` keeps them)."""

from __future__ import annotations

import json
from typing import Any

from edgeauth.admin.errors import not_found
from edgeauth.platform import Platform
from edgeauth.users.jobs import COMPLETED, IMPORT, PENDING, load_job


async def job_row(platform: Platform, tenant_id: str, job_id: str) -> dict[str, Any]:
    row = await load_job(platform, tenant_id, job_id)
    if row is None:
        raise not_found("The job does not exist.", "inexistent_job")
    return row


def job_json(row: dict[str, Any]) -> dict[str, Any]:
    """`GET /jobs/{id}` (and the answer to creating one): Auth0's fields for the job's type."""
    params = json.loads(row["params"])
    body = {"type": row["type"], "status": row["status"], "created_at": row["created_at"], "id": row["id"]}
    body.update(params)
    if row["type"] == IMPORT and row["status"] == COMPLETED:
        body["summary"] = {key: row[key] for key in ("failed", "updated", "inserted", "total")}
    if row["type"] == IMPORT and row["status"] == PENDING and row["parts"]:
        body["percentage_done"] = row["done"] * 100 // row["parts"]
    return body


async def job_errors(platform: Platform, tenant_id: str, job_id: str) -> list[dict[str, Any]]:
    """`GET /jobs/{id}/errors`: each refused user with its errors, in the file's order."""
    await job_row(platform, tenant_id, job_id)
    rows = await platform.db.all(
        "SELECT user, errors FROM job_errors WHERE tenant_id = ? AND job_id = ? ORDER BY part, row",
        tenant_id,
        job_id,
    )
    return [{"user": json.loads(row["user"]), "errors": json.loads(row["errors"])} for row in rows]
