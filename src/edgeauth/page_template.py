"""A tenant's HTML in its hosted pages, as Auth0 takes it: the Universal Login page template
(`PUT /branding/templates/universal-login`), the tenant's HTML around edgeauth's page with
`{%- auth0:head -%}` and `{%- auth0:widget -%}` marking where the page's head (title, styles) and
its form go; and prompt partials (`PUT /prompts/{prompt}/partials`), HTML at the form's insertion
points. Both are rendered in the bounded sandbox of the email templates with Auth0's variables,
escaped; one that fails or exceeds a bound is left out (the built-in page, no partial), so a
tenant's HTML can never stop a login."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from typing import Any

from markupsafe import Markup

from edgeauth.mail.sandbox import BoundedSandbox, render_compiled
from edgeauth.prompt_text import PAGE_SCREENS
from edgeauth.templates import render_slot

HEAD_TAG = re.compile(r"\{%-?\s*auth0:head\s*-?%\}")
WIDGET_TAG = re.compile(r"\{%-?\s*auth0:widget\s*-?%\}")
MAX_TEMPLATE = 100_000  # characters
MAX_PARTIAL = 10_000
COMPILED_CAPACITY = 64
# Auth0's prompts that take partials, and the insertion points of a form.
PARTIAL_PROMPTS = (
    "login", "login-id", "login-password", "login-passwordless", "signup", "signup-id",
    "signup-password", "customized-consent", "passkeys", "confirmation",
)  # fmt: skip
# The screens of those prompts (Auth0's), at most a few a prompt.
PARTIAL_SCREENS = frozenset(
    {
        "login", "login-id", "login-password", "signup", "signup-id", "signup-password",
        "login-passwordless-email-code", "login-passwordless-sms-otp", "customized-consent",
        "passkeys-enrollment", "passkeys-enrollment-local", "confirmation",
    }
)  # fmt: skip
INSERTION_POINTS = (
    "form-content-start", "form-content-end", "form-footer-start", "form-footer-end",
    "secondary-actions-start", "secondary-actions-end", "form-content",
)  # fmt: skip
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


def partials_problem(prompt: str, body: dict[str, Any]) -> str:
    """Why partials cannot be stored (`""`: they can): `{screen: {insertion point: HTML}}`."""
    for screen, points in body.items():
        if screen not in PARTIAL_SCREENS:
            return f"'{screen}' is not a screen that takes partials."
        if not isinstance(points, dict):
            return f"'{screen}' must be an object of insertion points."
        for point, html in points.items():
            if point not in INSERTION_POINTS:
                return f"'{screen}.{point}' is not an insertion point ({', '.join(INSERTION_POINTS)})."
            if not isinstance(html, str) or len(html) > MAX_PARTIAL:
                return f"'{screen}.{point}' must be a string of at most {MAX_PARTIAL} characters."
            try:
                _sandbox.bounded(html)
            except Exception as exc:
                return f"'{screen}.{point}' could not be parsed: {exc}"
    return ""


def _compile(source: str) -> Any:
    """The sandboxed template, compiled once per text while it is among the recent ones."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    template = _compiled.get(digest)
    if template is None:
        template = _compiled[digest] = _sandbox.bounded(source)
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
        return render_compiled(
            _sandbox, _compile(with_slots(source)), {**variables(name, context, screen), **slots}
        )
    except Exception as exc:  # the tenant's template, whatever it does, never stops a login
        log.warning("page template of tenant %s not rendered: %r", context["tenant"].id, exc)
        return None


def render_partials(partials: dict[str, Any], name: str, context: dict[str, Any]) -> dict[str, Markup]:
    """The tenant's partials for the page `name`, by insertion point (one that fails is left out)."""
    prompt, screen = PAGE_SCREENS.get(name, ("", ""))
    values = variables(name, context, None)
    rendered = {}
    for point, html in partials.get(prompt, {}).get(screen, {}).items():
        try:
            rendered[point] = Markup(render_compiled(_sandbox, _compile(html), values))  # noqa: S704 - sandboxed, escaped
        except Exception as exc:  # the tenant's partial never stops a login
            log.warning("partial %s of tenant %s not rendered: %r", point, context["tenant"].id, exc)
    return rendered
