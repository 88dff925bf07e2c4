"""Custom text of the hosted pages (Auth0 `GET/PUT /prompts/{prompt}/custom-text/{language}`),
kept in the tenant's settings and compiled into its snapshot (`edgeauth.prompt_text`)."""

from __future__ import annotations

import re
from typing import Any

from edgeauth.admin import tenants
from edgeauth.admin.errors import bad_request
from edgeauth.platform import Platform
from edgeauth.prompt_text import MAX_TEXT, PROMPTS

LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
MAX_TEXTS = 200


def check_names(prompt: str, language: str) -> None:
    """Auth0 answers an unknown prompt or language with 400."""
    if prompt not in PROMPTS:
        raise bad_request(f"Invalid prompt: {prompt}", "invalid_uri")
    if not LANGUAGE.fullmatch(language):
        raise bad_request(f"Invalid language: {language}", "invalid_uri")


def check_body(body: dict[str, Any]) -> None:
    """`{screen: {name: text}}`, strings only, bounded (the texts ride in every page's snapshot)."""
    count = 0
    for screen, texts in body.items():
        if not isinstance(texts, dict):
            raise bad_request(f"Payload validation error: '{screen}' must be an object.")
        for name, text in texts.items():
            if not isinstance(text, str) or len(text) > MAX_TEXT:
                message = f"'{screen}.{name}' must be a string of at most {MAX_TEXT} characters."
                raise bad_request(f"Payload validation error: {message}")
            count += 1
    if count > MAX_TEXTS:
        raise bad_request(f"Payload validation error: at most {MAX_TEXTS} texts per prompt and language.")


async def get_custom_text(platform: Platform, tenant_id: str, prompt: str, language: str) -> dict[str, Any]:
    check_names(prompt, language)
    stored = await tenants.private_setting(platform, tenant_id, tenants.PROMPT_TEXT_KEY, {})
    return dict(stored.get(prompt, {}).get(language, {}))


async def set_custom_text(
    platform: Platform, tenant_id: str, prompt: str, language: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Replaces the prompt's text in that language (`{}` removes it); the pages show it at once."""
    check_names(prompt, language)
    check_body(body)
    key = tenants.PROMPT_TEXT_KEY
    current = (await tenants.private_setting(platform, tenant_id, key, {})).get(prompt, {}).get(language)
    patch = tenants.replacing(current, body) if body else None
    await tenants.update_settings(platform, tenant_id, {key: {prompt: {language: patch}}})
    return body
