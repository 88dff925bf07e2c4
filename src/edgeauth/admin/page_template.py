"""A tenant's Universal Login page template (Auth0 `GET/PUT/DELETE
/branding/templates/universal-login`): kept in the tenant's settings (D1), its text copied to KV
for the hosted pages (`snapshots.load_page_template`); the tenant's snapshot says it is there."""

from __future__ import annotations

from edgeauth.admin import tenants
from edgeauth.admin.errors import bad_request, not_found
from edgeauth.page_template import template_problem
from edgeauth.platform import Platform
from edgeauth.snapshots import page_template_key


async def get_page_template(platform: Platform, tenant_id: str) -> dict[str, str]:
    """`{"body": template}`; 404 when the tenant has none, as Auth0 answers."""
    template = await tenants.private_setting(platform, tenant_id, tenants.PAGE_TEMPLATE_KEY, "")
    if not template:
        raise not_found("The Universal Login template does not exist.", "inexistent_template")
    return {"body": str(template)}


async def set_page_template(platform: Platform, tenant_id: str, template: object) -> None:
    """Stored only if it parses and has Auth0's two tags; the pages use it on their next request
    (until its text reaches KV, a page that reads the new snapshot shows the built-in look)."""
    if not isinstance(template, str):
        raise bad_request("Payload validation error: 'template' must be a string.")
    if problem := template_problem(template):
        raise bad_request(problem)
    await tenants.update_settings(platform, tenant_id, {tenants.PAGE_TEMPLATE_KEY: template})
    await platform.config.put(page_template_key(tenant_id), template)


async def delete_page_template(platform: Platform, tenant_id: str) -> None:
    """The built-in page again (the snapshot first, then the text)."""
    await tenants.update_settings(platform, tenant_id, {tenants.PAGE_TEMPLATE_KEY: None})
    await platform.config.delete(page_template_key(tenant_id))
