"""What every hosted page shares: security headers, the locale's messages, error and message pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from edgeauth.brand_colors import brand_colors
from edgeauth.http.context import RequestContext
from edgeauth.locales import DEFAULT, choose_locale, direction, messages
from edgeauth.page_template import around_page, render_partials
from edgeauth.prompt_text import MESSAGE_SCREENS, Screen, screen_text
from edgeauth.snapshots import load_page_look
from edgeauth.templates import render

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class PageLink:
    """A link under a message: where it goes, and its words (a locale key and its values)."""

    href: str
    text_key: str
    values: dict[str, str] = field(default_factory=dict)


def page_context(
    ctx: RequestContext, request: Request, ui_locales: str = "", screen: Screen | None = None
) -> dict[str, Any]:
    """What every page's template reads: its language, words (with the tenant's custom text for
    the page's Auth0 `screen`), colours and tenant."""
    accept_language = request.headers.get("accept-language", "")
    locale = choose_locale(ui_locales, accept_language, ctx.tenant.enabled_locales)
    words = {**messages(locale), **screen_text(ctx.tenant.custom_text, locale, screen)}
    return {
        "tenant": ctx.tenant,
        "colors": brand_colors(ctx.tenant.primary_color),
        "locale": locale,
        "direction": direction(locale),
        "t": words,
        "partials": {},  # the tenant's HTML at the forms' insertion points (render_page)
    }


# The field a form error is about, when not the form's email (WCAG 2.2 §3.3.1: the error is tied
# to its field, which is marked invalid and focused).
ERROR_FIELDS = {
    "error.password_too_weak": "password",
    "error.passwords_differ": "confirm",
}


def form_error(
    ctx: RequestContext, context: dict[str, Any], error_key: str, field: str = ""
) -> dict[str, str]:
    """A form's error in the page's words (`""` for none; a weak password's names the policy) and
    the id of the field it is about (`field`, else by its kind)."""
    if not error_key:
        return {"error": "", "error_field": ""}
    text = context["t"][error_key].format(min_length=ctx.tenant.password_min_length)
    return {"error": text, "error_field": field or ERROR_FIELDS.get(error_key, "email")}


async def render_page(
    ctx: RequestContext,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    screen: tuple[str, str] | None = None,
) -> Response:
    """A hosted page with the tenant's partials, inside its page template when it has one; on the
    tenant's custom domain only, as Auth0: under the shared base domain, a tenant's script could
    set cookies every other tenant's host receives (docs/security.md, "Tenant HTML")."""
    custom = ctx.own_domain and ctx.tenant.has_page_look
    look = await load_page_look(ctx.platform.config, ctx.tenant.id) if custom else None
    if look is not None:
        context = {**context, "partials": render_partials(look.partials, name, context)}
        page = around_page(look.template, name, context, screen) if look.template else None
        if page is not None:
            return HTMLResponse(page, status, headers=PAGE_HEADERS)
    return render(name, context, status, PAGE_HEADERS)


async def error_page(
    ctx: RequestContext, request: Request, error: str, description: str, status: int = 400
) -> Response:
    """Shown, never redirected: the client or its redirect_uri cannot be trusted."""
    context = {**page_context(ctx, request), "error": error, "description": description}
    return await render_page(ctx, "error.html", context, status)


async def transaction_error(ctx: RequestContext, request: Request) -> Response:
    """A hosted form whose login transaction does not open for this browser (expired, forged)."""
    return await error_page(ctx, request, "invalid_request", messages(DEFAULT)["error.transaction"])


async def message_page(
    ctx: RequestContext,
    request: Request,
    key: str,
    status: int,
    link: PageLink | None = None,
    ui_locales: str = "",
) -> Response:
    """A page with a heading, one message (`{key}.heading`, `{key}.message` in the locale) and
    perhaps a link."""
    context = page_context(ctx, request, ui_locales, MESSAGE_SCREENS.get(key))
    t = context["t"]
    values: dict[str, Any] = {"heading": t[f"{key}.heading"], "message": t[f"{key}.message"]}
    if link is not None:
        values["link"] = {"href": link.href, "text": t[link.text_key].format(**link.values)}
    return await render_page(ctx, "message.html", {**context, **values}, status, MESSAGE_SCREENS.get(key))
