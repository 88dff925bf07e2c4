"""Management API v2: `/tenants/settings`, `/branding` (with the Universal Login page template)
and `/email-templates`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from edgeauth.admin import email_templates, page_look, tenants
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.common import changes
from edgeauth.management.models.email_templates import (
    EmailTemplate,
    EmailTemplateCreate,
    EmailTemplateUpdate,
    TemplateName,
)
from edgeauth.management.models.tenants import Branding, BrandingUpdate, TenantSettings, TenantSettingsUpdate

router = APIRouter()


@router.get("/tenants/settings", tags=["tenants"], response_model=TenantSettings)
async def get_tenant_settings(caller: Annotated[Caller, allowed("read:tenant_settings")]) -> Any:
    return await tenants.get_settings(caller.ctx.platform, caller.tenant_id)


@router.patch("/tenants/settings", tags=["tenants"], response_model=TenantSettings)
async def update_tenant_settings(
    body: TenantSettingsUpdate, caller: Annotated[Caller, allowed("update:tenant_settings")]
) -> Any:
    """Takes effect on the login and token paths at once (the tenant's KV snapshot is rewritten)."""
    await tenants.update_settings(caller.ctx.platform, caller.tenant_id, changes(body))
    return await tenants.get_settings(caller.ctx.platform, caller.tenant_id)


@router.get("/branding", tags=["branding"], response_model=Branding, response_model_exclude_none=True)
async def get_branding(caller: Annotated[Caller, allowed("read:branding")]) -> Any:
    return await tenants.get_branding(caller.ctx.platform, caller.tenant_id)


@router.patch("/branding", tags=["branding"], response_model=Branding, response_model_exclude_none=True)
async def update_branding(body: BrandingUpdate, caller: Annotated[Caller, allowed("update:branding")]) -> Any:
    """The hosted login page shows the new logo and colours on its next request."""
    return await tenants.update_branding(caller.ctx.platform, caller.tenant_id, changes(body))


@router.delete("/branding", tags=["branding"], status_code=204, response_class=Response)
async def delete_branding(caller: Annotated[Caller, allowed("delete:branding")]) -> Response:
    await tenants.delete_branding(caller.ctx.platform, caller.tenant_id)
    return Response(status_code=204)


PAGE_TEMPLATE_PATH = "/branding/templates/universal-login"


@router.get(PAGE_TEMPLATE_PATH, tags=["branding"])
async def get_universal_login_template(caller: Annotated[Caller, allowed("read:branding")]) -> dict[str, str]:
    return await page_look.get_page_template(caller.ctx.platform, caller.tenant_id)


@router.put(PAGE_TEMPLATE_PATH, tags=["branding"], status_code=204, response_class=Response)
async def set_universal_login_template(
    body: Annotated[dict[str, Any], Body(max_length=1)], caller: Annotated[Caller, allowed("update:branding")]
) -> Response:
    """`{"template": "…{%- auth0:head -%}…{%- auth0:widget -%}…"}`; the pages use it at once."""
    await page_look.set_page_template(caller.ctx.platform, caller.tenant_id, body.get("template"))
    return Response(status_code=204)


@router.delete(PAGE_TEMPLATE_PATH, tags=["branding"], status_code=204, response_class=Response)
async def delete_universal_login_template(caller: Annotated[Caller, allowed("delete:branding")]) -> Response:
    await page_look.delete_page_template(caller.ctx.platform, caller.tenant_id)
    return Response(status_code=204)


TEMPLATE_PATH = "/email-templates/{templateName}"
TEMPLATE_ROUTE: dict[str, Any] = {
    "tags": ["email-templates"],
    "response_model": EmailTemplate,
    "response_model_exclude_none": True,
}


def template_fields(body: EmailTemplateCreate | EmailTemplateUpdate) -> dict[str, Any]:
    """The fields a body sets, under Auth0's names (`from`)."""
    return body.model_dump(exclude_unset=True, by_alias=True)


@router.get(TEMPLATE_PATH, **TEMPLATE_ROUTE)
async def get_email_template(
    templateName: TemplateName, caller: Annotated[Caller, allowed("read:email_templates")]
) -> Any:
    return await email_templates.get_template(caller.ctx.platform, caller.tenant_id, templateName)


@router.post("/email-templates", status_code=201, **TEMPLATE_ROUTE)
async def create_email_template(
    body: EmailTemplateCreate, caller: Annotated[Caller, allowed("create:email_templates")]
) -> Any:
    return await email_templates.create_template(caller.ctx.platform, caller.tenant_id, template_fields(body))


@router.patch(TEMPLATE_PATH, **TEMPLATE_ROUTE)
async def update_email_template(
    templateName: TemplateName,
    body: EmailTemplateUpdate,
    caller: Annotated[Caller, allowed("update:email_templates")],
) -> Any:
    """The given fields replace, the others stay."""
    fields = template_fields(body)
    return await email_templates.update_template(caller.ctx.platform, caller.tenant_id, templateName, fields)


@router.put(TEMPLATE_PATH, **TEMPLATE_ROUTE)
async def set_email_template(
    templateName: TemplateName,
    body: EmailTemplateCreate,
    caller: Annotated[Caller, allowed("update:email_templates")],
) -> Any:
    """Every field not given goes back to its default."""
    fields = template_fields(body)
    return await email_templates.replace_template(caller.ctx.platform, caller.tenant_id, templateName, fields)
