"""The email provider: Auth0 `/api/v2/emails/provider` bodies (edgeauth's provider names)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from edgeauth.management.models.common import Body, Patch, Resource

ProviderName = Literal["outbox", "sendgrid", "mailgun", "resend", "cloudflare"]
Text = Annotated[str, Field(max_length=2048)]


class ProviderSettings(Body):
    base_url: Annotated[str, Field(max_length=2048, pattern=r"^https?://")] | None = None


class ProviderFields(Body):
    enabled: bool | None = None
    default_from_address: Annotated[str, Field(max_length=320)] | None = None
    credentials: dict[str, Text] | None = None
    settings: ProviderSettings | None = None


class ProviderCreate(ProviderFields):
    name: ProviderName


class ProviderUpdate(ProviderFields, Patch):
    name: ProviderName | None = None


class EmailProvider(Resource):
    name: str
    enabled: bool
    default_from_address: str
    credentials: dict[str, str]
    settings: dict[str, str]
