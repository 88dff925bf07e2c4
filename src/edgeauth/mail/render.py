"""Rendering an email for a tenant and a locale: the tenant's own template from `/email-templates`
when one is configured and enabled (Auth0's liquid-style `{{ url }}`, `{{ user.email }}`, rendered
in Jinja2's sandbox: tenant input), else edgeauth's built-in one in the locale's words."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import asdict, dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader

from edgeauth.brand_colors import brand_colors
from edgeauth.locales import DEFAULT, available, direction, messages
from edgeauth.mail.sandbox import BoundedSandbox, render_bounded
from edgeauth.platform import Platform
from edgeauth.prompt_text import EMAIL_SCREENS, FOOTER_SCREEN, screen_text
from edgeauth.snapshots import Tenant
from edgeauth.templates import TEMPLATES_DIR, environment

_text = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=False, auto_reload=False)  # noqa: S701 - plain text
_sandbox_html = BoundedSandbox(autoescape=True)
_sandbox_text = BoundedSandbox(autoescape=False)
log = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]+>")
# The Auth0 templates a tenant can replace (`/email-templates`); the passwordless ones are built in.
CUSTOMIZABLE = ("verify_email", "welcome_email", "reset_email", "mfa_oob_code", "enrollment_email")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str
    from_address: str = ""  # the template's own sender, else the provider's default


def built_in(tenant: Tenant, template: str, locale: str, values: dict[str, Any]) -> RenderedEmail:
    """edgeauth's template in the locale's words (English when the locale is unknown), with the
    tenant's custom text for them."""
    locale = available().get(locale.lower(), DEFAULT)
    own = next((screen for screen, name in EMAIL_SCREENS.items() if name == template), None)
    t = {**messages(locale), **screen_text(tenant.custom_text, locale, FOOTER_SCREEN, own)}
    names = {
        "application": values.get("application", {}).get("name") or tenant.friendly_name,
        "tenant": tenant.friendly_name,
        "email": values.get("user", {}).get("email", ""),
    }
    words = {part: t[f"email.{template}.{part}"].format(**names) for part in ("heading", "body", "action")}
    context = {
        **words,
        "footer": t["email.footer"].format(**names),
        "tenant": asdict(tenant),
        "colors": brand_colors(tenant.primary_color),
        "locale": locale,
        "direction": direction(locale),
        "url": values.get("url", ""),
        "code": values.get("code", ""),
    }
    return RenderedEmail(
        subject=t[f"email.{template}.subject"].format(**names),
        html=environment.get_template("email/message.html").render(context),
        text=_text.get_template("email/message.txt").render(context),
    )


def as_text(markup: str) -> str:
    """A plain-text part for a tenant's HTML body: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup)).strip()


def custom(row: dict[str, Any], tenant: Tenant, values: dict[str, Any]) -> RenderedEmail:
    """The tenant's template, sandboxed; `link` is Auth0's other name for the URL."""
    context = {**values, "link": values.get("url", ""), "tenant": {"friendly_name": tenant.friendly_name}}
    body = render_bounded(_sandbox_html, row["body"], context)
    subject = render_bounded(_sandbox_text, row["subject"], context)
    return RenderedEmail(subject=subject, html=body, text=as_text(body), from_address=row["from"])


async def render_email(
    platform: Platform, tenant: Tenant, template: str, locale: str, values: dict[str, Any]
) -> RenderedEmail:
    """The tenant's enabled template if it has a body and renders, else the built-in one."""
    row = None
    if template in CUSTOMIZABLE:
        row = await platform.db.first(
            'SELECT body, subject, "from" FROM email_templates WHERE tenant_id = ? AND template = ?'
            " AND enabled = 1 AND body != ''",
            tenant.id,
            template,
        )
    if row is not None:
        try:
            return custom(row, tenant, values)
        except Exception as exc:
            log.warning("email template %s of tenant %s not rendered: %r", template, tenant.id, exc)
    return built_in(tenant, template, locale, values)
