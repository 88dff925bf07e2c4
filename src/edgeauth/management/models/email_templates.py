"""Email templates: Auth0 `/api/v2/email-templates` bodies (Auth0's camelCase field names)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from edgeauth.admin import email_templates
from edgeauth.management.models.common import Body, Resource

TemplateName = Literal[email_templates.TEMPLATE_NAMES]  # type: ignore[valid-type]


class EmailTemplateFields(Body):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    body: Annotated[str, Field(max_length=100_000)] | None = None
    from_: Annotated[str | None, Field(alias="from", max_length=320)] = None
    subject: Annotated[str, Field(max_length=1000)] | None = None
    syntax: Literal["liquid"] | None = None
    resultUrl: Annotated[str, Field(max_length=2048)] | None = None
    urlLifetimeInSeconds: Annotated[int, Field(ge=0, le=2592000)] | None = None
    includeEmailInRedirect: bool | None = None
    enabled: bool | None = None


class EmailTemplateCreate(EmailTemplateFields):
    template: TemplateName


class EmailTemplateUpdate(EmailTemplateFields):
    template: TemplateName | None = None


class EmailTemplate(Resource):
    template: str
    body: str
    from_: str = Field(alias="from")
    subject: str
    syntax: str
    resultUrl: str | None = None
    urlLifetimeInSeconds: int | None = None
    includeEmailInRedirect: bool
    enabled: bool
