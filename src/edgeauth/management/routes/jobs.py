"""Management API v2: `/jobs` — users imports and exports (Auth0's shapes, docs/migrating-from-auth0.md)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from pydantic import Field

from edgeauth.admin import jobs, user_exports, user_imports
from edgeauth.admin.errors import not_found
from edgeauth.http.context import request_context
from edgeauth.management.auth import Caller, allowed, check_scope
from edgeauth.management.models.common import Body, Resource
from edgeauth.users import bulk_export
from edgeauth.users.jobs import COMPLETED, EXPORT

router = APIRouter(tags=["jobs"])
JobId = Annotated[str, Field(pattern=r"^job_[A-Za-z0-9]{16}$")]


class ExportField(Body):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    export_as: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class UsersExport(Body):
    connection_id: Annotated[str, Field(max_length=64)] | None = None
    format: Literal["json", "csv"] = "json"
    limit: Annotated[int, Field(ge=1)] | None = None
    fields: Annotated[list[ExportField], Field(min_length=1, max_length=30)] | None = None


class Job(Resource):
    """Every field a job of either type may carry (`GET /jobs/{id}`)."""

    id: str
    type: str
    status: str
    created_at: str
    connection_id: str | None = None
    connection: str | None = None
    external_id: str | None = None
    upsert: bool | None = None
    send_completion_email: bool | None = None
    format: str | None = None
    limit: int | None = None
    fields: list[dict[str, str]] | None = None
    location: str | None = None
    percentage_done: int | None = None
    summary: dict[str, int] | None = None


@router.post("/jobs/users-imports", status_code=202, response_model=Job, response_model_exclude_none=True)
async def import_users(
    users: Annotated[UploadFile, File(description="A JSON array of users (Auth0's bulk-import schema).")],
    connection_id: Annotated[str, Form(max_length=64)],
    caller: Annotated[Caller, allowed("create:users")],
    upsert: Annotated[bool, Form()] = False,
    external_id: Annotated[str | None, Form(max_length=255)] = None,
    send_completion_email: Annotated[bool, Form()] = True,
) -> Any:
    return await user_imports.create_import_job(
        caller.ctx.platform,
        caller.tenant_id,
        connection_id=connection_id,
        users=await users.read(),
        upsert=upsert,
        external_id=external_id,
        send_completion_email=send_completion_email,
    )


@router.post("/jobs/users-exports", status_code=200, response_model=Job, response_model_exclude_none=True)
async def export_users(body: UsersExport, caller: Annotated[Caller, allowed("read:users")]) -> Any:
    """With the field `custom_password_hash`, also `read:users_password_hashes`, and logged."""
    fields = [field.model_dump(exclude_none=True) for field in body.fields] if body.fields else None
    if bulk_export.wants_hashes(fields):
        check_scope(caller, [user_exports.HASH_SCOPE])
    return await user_exports.create_export_job(
        caller.ctx.platform,
        caller.tenant_id,
        connection_id=body.connection_id,
        format=body.format,
        limit=body.limit,
        fields=fields,
        client_id=caller.subject.removesuffix("@clients"),
    )


@router.get("/jobs/{id}", response_model=Job, response_model_exclude_none=True)
async def get_job(id: JobId, caller: Annotated[Caller, allowed("create:users", "read:users")]) -> Any:
    row = await jobs.job_row(caller.ctx.platform, caller.tenant_id, id)
    body = jobs.job_json(row)
    if row["type"] == EXPORT and row["status"] == COMPLETED:
        body["location"] = await _download_link(caller, id)
    return body


@router.get("/jobs/{id}/errors", response_model=list[dict[str, Any]])
async def get_job_errors(id: JobId, caller: Annotated[Caller, allowed("create:users", "read:users")]) -> Any:
    """Auth0: 204 without a body when no user was refused."""
    errors = await jobs.job_errors(caller.ctx.platform, caller.tenant_id, id)
    return errors if errors else Response(status_code=204)


async def _download_link(caller: Caller, job_id: str) -> str:
    """A link that works for `LINK_SECONDS` without a token, on the tenant's own origin."""
    platform = caller.ctx.platform
    grant = {
        "tenant": caller.tenant_id,
        "job": job_id,
        "exp": int(platform.clock()) + user_exports.LINK_SECONDS,
    }
    sealed = await platform.crypto.seal(json.dumps(grant).encode())
    return f"{caller.ctx.issuer}api/v2/jobs/{job_id}/download?grant={sealed}"


@router.get("/jobs/{id}/download", include_in_schema=False)
async def download_export(id: JobId, request: Request, grant: Annotated[str, Query(max_length=1000)]) -> Any:
    """The export file (gzip), for whoever holds a live link `GET /jobs/{id}` gave."""
    ctx = request_context(request)
    try:
        granted = json.loads(await ctx.platform.crypto.unseal(grant))
    except ValueError:
        granted = {}
    live = granted.get("exp", 0) >= ctx.platform.clock()
    if granted.get("tenant") != ctx.tenant.id or granted.get("job") != id or not live:
        raise not_found("The export link is invalid or has expired.", "inexistent_job")
    row = await jobs.job_row(ctx.platform, ctx.tenant.id, id)
    suffix = "csv" if json.loads(row["params"])["format"] == "csv" else "json"
    return Response(
        await bulk_export.export_file(ctx.platform, ctx.tenant.id, id),
        media_type="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{ctx.tenant.id}.{suffix}.gz"'},
    )
