"""Management API v2: `/emails/provider` (who delivers the tenant's email)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from edgeauth.admin import email_provider
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.common import changes
from edgeauth.management.models.email_provider import EmailProvider, ProviderCreate, ProviderUpdate

router = APIRouter(tags=["emails"])
PATH = "/emails/provider"
ROUTE: dict[str, Any] = {"response_model": EmailProvider}


@router.get(PATH, **ROUTE)
async def get_provider(caller: Annotated[Caller, allowed("read:email_provider")]) -> Any:
    """Credentials are never returned (only Mailgun's `domain`)."""
    return await email_provider.get_provider(caller.ctx.platform, caller.tenant_id)


@router.post(PATH, status_code=201, **ROUTE)
async def create_provider(
    body: ProviderCreate, caller: Annotated[Caller, allowed("create:email_provider")]
) -> Any:
    return await email_provider.create_provider(caller.ctx.platform, caller.tenant_id, changes(body))


@router.patch(PATH, **ROUTE)
async def update_provider(
    body: ProviderUpdate, caller: Annotated[Caller, allowed("update:email_provider")]
) -> Any:
    """The given fields replace; credentials stay unless given."""
    return await email_provider.update_provider(caller.ctx.platform, caller.tenant_id, changes(body))


@router.delete(PATH, status_code=204)
async def delete_provider(caller: Annotated[Caller, allowed("delete:email_provider")]) -> Response:
    """Email goes back to the outbox."""
    await email_provider.delete_provider(caller.ctx.platform, caller.tenant_id)
    return Response(status_code=204)
