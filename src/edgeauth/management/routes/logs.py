"""Management API v2: `/logs` and `/users/{id}/logs` (Auth0 "Retrieve Log Events Using the
Management API": search criteria with pages, or checkpoint paging with `from` + `take`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from edgeauth.admin import logs
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.logs import Log, LogsPage
from edgeauth.management.paging import DEFAULT_TAKE, Fields, Paging, Take

router = APIRouter(tags=["logs"])

Sort = Annotated[str, Query(max_length=64, description="`field:1` or `field:-1`; default `date:-1`.")]
Checkpoint = Annotated[
    str | None, Query(alias="from", max_length=64, description="Checkpoint: logs after this log id.")
]


def next_link(request: Request, items: list[dict[str, Any]]) -> str:
    """Auth0's `Link: <…from=last id…>; rel="next"` (the same URL when nothing new came back)."""
    url = request.url
    if items:
        url = url.include_query_params(**{"from": items[-1]["log_id"]})
    return f'<{url}>; rel="next"'


@router.get("/logs", response_model=list[Log] | LogsPage, response_model_exclude_unset=True)
async def list_logs(
    request: Request,
    response: Response,
    page: Paging,
    fields: Fields,
    caller: Annotated[Caller, allowed("read:logs")],
    q: Annotated[str, Query(max_length=4096, description="Lucene query (Auth0 log search).")] = "",
    sort: Sort = "",
    checkpoint: Checkpoint = None,
    take: Take = None,
) -> Any:
    """With `from` or `take` every other parameter is ignored (Auth0 checkpoint paging)."""
    platform, tenant_id = caller.ctx.platform, caller.tenant_id
    if checkpoint is not None or take is not None:
        items = await logs.logs_after(platform, tenant_id, checkpoint or "", take or DEFAULT_TAKE)
        response.headers["Link"] = next_link(request, items)
        return items
    items, total = await logs.search_logs(
        platform, tenant_id, q=q, sort=sort, offset=page.offset, limit=page.per_page
    )
    return page.body("logs", [fields.apply(item) for item in items], total)


@router.get("/logs/{id}", response_model=Log, response_model_exclude_unset=True)
async def get_log(id: str, caller: Annotated[Caller, allowed("read:logs")]) -> Any:
    return await logs.get_log(caller.ctx.platform, caller.tenant_id, id)


@router.get(
    "/users/{user_id}/logs",
    tags=["users"],
    response_model=list[Log] | LogsPage,
    response_model_exclude_unset=True,
)
async def list_user_logs(
    user_id: str,
    page: Paging,
    caller: Annotated[Caller, allowed("read:logs", "read:logs_users")],
    sort: Sort = "",
) -> Any:
    items, total = await logs.search_logs(
        caller.ctx.platform,
        caller.tenant_id,
        user_id=user_id,
        sort=sort,
        offset=page.offset,
        limit=page.per_page,
    )
    return page.body("logs", items, total)
