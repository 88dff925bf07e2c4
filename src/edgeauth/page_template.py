"""A tenant's Universal Login page template (Auth0 `PUT /branding/templates/universal-login`): the
tenant's HTML around edgeauth's page, `{%- auth0:head -%}` and `{%- auth0:widget -%}` marking where
the page's head (title, styles) and its form go. Rendered in the bounded sandbox of the email
templates with Auth0's variables, escaped; a template that fails or exceeds a bound gives way to
the built-in page, so a tenant's template can never stop a login."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from typing import Any

from edgeauth.mail.sandbox import BoundedSandbox, render_compiled
from edgeauth.templates import render_slot

HEAD_TAG = re.compile(r"\{%-?\s*auth0:head\s*-?%\}")
WIDGET_TAG = re.compile(r"\{%-?\s*auth0:widget\s*-?%\}")
MAX_TEMPLATE = 100_000  # characters
COMPILED_CAPACITY = 32
# The Auth0 prompt and screen of each page (`prompt.name`, `prompt.screen.name` in the template).
PAGE_SCREENS = {
    "login.html": ("login", "login"),
    "login_id.html": ("login-id", "login-id"),
    "login_password.html": ("login-password", "login-password"),
    "signup.html": ("signup", "signup"),
    "reset_request.html": ("reset-password", "reset-password-request"),
    "reset.html": ("reset-password", "reset-password"),
    "passwordless_code.html": ("login-passwordless", "login-passwordless-email-code"),
    "error.html": ("common", "error"),
}
MESSAGE_SCREENS = {
    "reset_request.sent": ("reset-password", "reset-password-email"),
    "reset.done": ("reset-password", "reset-password-success"),
    "reset.failed": ("reset-password", "reset-password-error"),
    "verification.done": ("email-verification", "email-verification-result"),
    "verification.failed": ("email-verification", "email-verification-result"),
}

_sandbox = BoundedSandbox(autoescape=True)
_compiled: OrderedDict[str, Any] = OrderedDict()
log = logging.getLogger(__name__)


def with_slots(source: str) -> str:
    """Auth0's two tags as the variables the sandbox fills with edgeauth's markup."""
    return WIDGET_TAG.sub("{{ auth0_widget }}", HEAD_TAG.sub("{{ auth0_head }}", source))


def template_problem(source: str) -> str:
    """Why a template cannot be stored (`""`: it can): Auth0 needs both tags, once each."""
    if len(source) > MAX_TEMPLATE:
        return f"The template must be at most {MAX_TEMPLATE} characters."
    if len(HEAD_TAG.findall(source)) != 1 or len(WIDGET_TAG.findall(source)) != 1:
        return "The template must contain {%- auth0:head -%} and {%- auth0:widget -%} once each."
    try:
        _sandbox.bounded(with_slots(source))
    except Exception as exc:  # Jinja2's syntax errors, Liquid it cannot read
        return f"The template could not be parsed: {exc}"
    return ""


def _compile(source: str) -> Any:
    """The sandboxed template, compiled once per text while it is among the recent ones."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    template = _compiled.get(digest)
    if template is None:
        template = _compiled[digest] = _sandbox.bounded(with_slots(source))
        if len(_compiled) > COMPILED_CAPACITY:
            _compiled.popitem(last=False)
    _compiled.move_to_end(digest)
    return template


def variables(name: str, context: dict[str, Any], screen: tuple[str, str] | None) -> dict[str, Any]:
    """Auth0's template variables for this page."""
    tenant, colors = context["tenant"], context["colors"]
    prompt, screen_name = screen or PAGE_SCREENS.get(name, ("common", "message"))
    return {
        "locale": context["locale"],
        "prompt": {"name": prompt, "screen": {"name": screen_name}},
        "application": {"name": context.get("client_name", "")},
        "tenant": {"name": tenant.id, "friendly_name": tenant.friendly_name},
        "branding": {
            "logo_url": tenant.logo_url,
            "colors": {"primary": colors.primary, "page_background": tenant.page_background},
        },
    }


def around_page(
    source: str, name: str, context: dict[str, Any], screen: tuple[str, str] | None = None
) -> str | None:
    """The page `name` inside the tenant's template; `None` if the template fails."""
    try:
        slots = {
            "auth0_head": render_slot(name, context, "head"),
            "auth0_widget": render_slot(name, context, "widget"),
        }
        return render_compiled(_sandbox, _compile(source), {**variables(name, context, screen), **slots})
    except Exception as exc:  # the tenant's template, whatever it does, never stops a login
        log.warning("page template of tenant %s not rendered: %r", context["tenant"].id, exc)
        return None
