"""PLACEHOLDER until the mail branch lands: replaced by the real module."""

from __future__ import annotations

from typing import Any

from edgeauth.platform import Platform


async def send_email(
    platform: Platform, tenant_id: str, *, template: str, to: str, locale: str, values: dict[str, Any]
) -> None:
    raise NotImplementedError
