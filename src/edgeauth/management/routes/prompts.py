"""Management API v2: `/prompts` (Universal Login settings),
`/prompts/{prompt}/custom-text/{language}` (the hosted pages' custom text) and
`/prompts/{prompt}/partials` (the tenant's HTML at the forms' insertion points)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from edgeauth.admin import page_look, prompt_settings, prompt_text
from edgeauth.management.auth import Caller, allowed

router = APIRouter()
PATH = "/prompts/{prompt}/custom-text/{language}"


@router.get("/prompts", tags=["prompts"])
async def get_settings(caller: Annotated[Caller, allowed("read:prompts")]) -> dict[str, Any]:
    return await prompt_settings.get_prompt_settings(caller.ctx.platform, caller.tenant_id)


@router.patch("/prompts", tags=["prompts"])
async def update_settings(
    changes: Annotated[dict[str, Any], Body(max_length=10)],
    caller: Annotated[Caller, allowed("update:prompts")],
) -> dict[str, Any]:
    """`identifier_first` turns the login page's email-first step on or off at once."""
    return await prompt_settings.update_prompt_settings(caller.ctx.platform, caller.tenant_id, changes)


@router.get(PATH, tags=["prompts"])
async def get_custom_text(
    prompt: str, language: str, caller: Annotated[Caller, allowed("read:prompts")]
) -> dict[str, Any]:
    return await prompt_text.get_custom_text(caller.ctx.platform, caller.tenant_id, prompt, language)


@router.put(PATH, tags=["prompts"])
async def set_custom_text(
    prompt: str,
    language: str,
    body: Annotated[dict[str, Any], Body()],
    caller: Annotated[Caller, allowed("update:prompts")],
) -> dict[str, Any]:
    """Replaces the prompt's text in that language; the hosted pages show it on their next request."""
    return await prompt_text.set_custom_text(caller.ctx.platform, caller.tenant_id, prompt, language, body)


@router.get("/prompts/{prompt}/partials", tags=["prompts"])
async def get_partials(prompt: str, caller: Annotated[Caller, allowed("read:prompts")]) -> dict[str, Any]:
    return await page_look.get_partials(caller.ctx.platform, caller.tenant_id, prompt)


@router.put("/prompts/{prompt}/partials", tags=["prompts"])
async def set_partials(
    prompt: str, body: Annotated[dict[str, Any], Body()], caller: Annotated[Caller, allowed("update:prompts")]
) -> dict[str, Any]:
    """Replaces the prompt's partials, `{screen: {insertion point: HTML}}`; the pages show them at once."""
    return await page_look.set_partials(caller.ctx.platform, caller.tenant_id, prompt, body)
