"""What a tenant changes of its hosted pages' HTML: the Universal Login page template (Auth0
`GET/PUT/DELETE /branding/templates/universal-login`) and prompt partials (Auth0
`GET/PUT /prompts/{prompt}/partials`). Kept in the tenant's settings (D1); published together to
one KV document that only the hosted pages read (`snapshots.load_page_look`); the tenant's snapshot
says whether there is one."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from edgeauth.admin import tenants
from edgeauth.admin.errors import bad_request, not_found
from edgeauth.page_template import PARTIAL_PROMPTS, partials_problem, template_problem
from edgeauth.platform import Platform
from edgeauth.snapshots import PageLook, page_look_key


async def _stored(platform: Platform, tenant_id: str) -> PageLook:
    template = await tenants.private_setting(platform, tenant_id, tenants.PAGE_TEMPLATE_KEY, "")
    partials = await tenants.private_setting(platform, tenant_id, tenants.PARTIALS_KEY, {})
    return PageLook(template=str(template), partials=dict(partials))


async def _update(platform: Platform, tenant_id: str, changes: dict[str, Any]) -> None:
    """D1 first (the tenant's snapshot with it), then the pages' KV document."""
    await tenants.update_settings(platform, tenant_id, changes)
    look = await _stored(platform, tenant_id)
    if look.template or look.partials:
        await platform.config.put(page_look_key(tenant_id), json.dumps(asdict(look)))
    else:
        await platform.config.delete(page_look_key(tenant_id))


async def get_page_template(platform: Platform, tenant_id: str) -> dict[str, str]:
    """`{"body": template}`; 404 when the tenant has none, as Auth0 answers."""
    template = (await _stored(platform, tenant_id)).template
    if not template:
        raise not_found("The Universal Login template does not exist.", "inexistent_template")
    return {"body": template}


async def set_page_template(platform: Platform, tenant_id: str, template: object) -> None:
    """Stored only if it parses and has Auth0's two tags; the pages use it on their next request."""
    if not isinstance(template, str):
        raise bad_request("Payload validation error: 'template' must be a string.")
    if problem := template_problem(template):
        raise bad_request(problem)
    await _update(platform, tenant_id, {tenants.PAGE_TEMPLATE_KEY: template})


async def delete_page_template(platform: Platform, tenant_id: str) -> None:
    await _update(platform, tenant_id, {tenants.PAGE_TEMPLATE_KEY: None})


def _check_prompt(prompt: str) -> None:
    if prompt not in PARTIAL_PROMPTS:
        raise bad_request(
            f"Invalid prompt: {prompt}; partials apply to {', '.join(PARTIAL_PROMPTS)}.", "invalid_uri"
        )


async def get_partials(platform: Platform, tenant_id: str, prompt: str) -> dict[str, Any]:
    """`{screen: {insertion point: HTML}}` (`{}` when none)."""
    _check_prompt(prompt)
    return dict((await _stored(platform, tenant_id)).partials.get(prompt, {}))


async def set_partials(
    platform: Platform, tenant_id: str, prompt: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Replaces the prompt's partials (`{}` removes them)."""
    _check_prompt(prompt)
    if problem := partials_problem(prompt, body):
        raise bad_request(f"Payload validation error: {problem}")
    current = (await _stored(platform, tenant_id)).partials.get(prompt)
    patch = tenants.replacing(current, body) if body else None
    await _update(platform, tenant_id, {tenants.PARTIALS_KEY: {prompt: patch}})
    return body
