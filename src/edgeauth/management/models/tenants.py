"""Tenant settings and branding: Auth0 `/api/v2/tenants/settings` and `/api/v2/branding` bodies."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from edgeauth.admin.tenants import HEX_COLOR, PAGE_URL, PRIVATE_SETTINGS
from edgeauth.management.models.common import Body, Resource

# The most Management API requests per window a tenant may allow itself.
MAX_API_RATE = 100_000

Url = Annotated[str, Field(max_length=2048, pattern=PAGE_URL)]
UrlOrEmpty = Annotated[str, Field(max_length=2048, pattern=f"^$|{PAGE_URL}")]
Color = Annotated[str, Field(pattern=HEX_COLOR)]
Hours = Annotated[float, Field(gt=0, le=8760)]
Minutes = Annotated[float, Field(gt=0, le=8760 * 60)]
SETTING_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class RateLimit(Body):
    """edgeauth: the tenant's Management API limit (requests per fixed window; 429 beyond)."""

    requests: Annotated[int, Field(ge=1, le=MAX_API_RATE)]
    window_seconds: Annotated[int, Field(ge=1, le=3600)] = 60


class PasswordPolicy(Body):
    """edgeauth: the hosted signup page's minimum password length (`edgeauth tenants update`)."""

    min_length: Annotated[int, Field(ge=1, le=128)]


class TenantSettingsUpdate(Body):
    """The settings the server uses are checked; any other Auth0 setting is kept as given."""

    model_config = ConfigDict(extra="allow")

    friendly_name: Annotated[str, Field(min_length=1, max_length=255, pattern=r"\S")] | None = None
    picture_url: UrlOrEmpty | None = None
    support_email: Annotated[str, Field(max_length=320, pattern=r"^$|^[^@\s]+@[^@\s]+$")] | None = None
    support_url: UrlOrEmpty | None = None
    default_audience: Annotated[str, Field(max_length=400)] | None = None
    default_directory: Annotated[str, Field(max_length=128)] | None = None
    allowed_logout_urls: (
        Annotated[list[Annotated[str, Field(max_length=2048)]], Field(max_length=100)] | None
    ) = None
    session_lifetime: Hours | None = None
    idle_session_lifetime: Hours | None = None
    # Auth0 takes either form; the Deploy CLI sends minutes. Stored as hours (`admin.tenants`).
    session_lifetime_in_minutes: Minutes | None = None
    idle_session_lifetime_in_minutes: Minutes | None = None
    enabled_locales: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]] | None = None
    flags: dict[str, bool] | None = None
    management_api_rate_limit: RateLimit | None = None
    password_policy: PasswordPolicy | None = None
    logs_retention_days: Annotated[int, Field(ge=1, le=365)] | None = None

    @model_validator(mode="after")
    def other_settings_are_plain_names(self) -> TenantSettingsUpdate:
        """Auth0 setting names are snake_case; branding has its own endpoint."""
        for name in self.model_extra or {}:
            if not SETTING_NAME.match(name) or name in PRIVATE_SETTINGS:
                raise ValueError(f"unknown setting {name!r}")
        return self


class TenantSettings(Resource):
    friendly_name: str
    picture_url: str
    support_email: str
    support_url: str
    default_audience: str
    default_directory: str
    allowed_logout_urls: list[str]
    session_lifetime: float
    idle_session_lifetime: float
    enabled_locales: list[str]
    flags: dict[str, Any]
    management_api_rate_limit: RateLimit


class BrandingColors(Body):
    primary: Color | None = None
    # A colour, or Auth0's gradient object (kept, not drawn by the hosted pages).
    page_background: Color | dict[str, Any] | None = None


class BrandingFont(Body):
    url: Url | None = None


class BrandingUpdate(Body):
    """Auth0 `PATCH /branding`: given fields replace, `null` removes one."""

    colors: BrandingColors | None = None
    favicon_url: Url | None = None
    logo_url: Url | None = None
    font: BrandingFont | None = None


class Branding(Resource):
    colors: dict[str, Any] | None = None
    favicon_url: str | None = None
    logo_url: str | None = None
    font: dict[str, Any] | None = None
