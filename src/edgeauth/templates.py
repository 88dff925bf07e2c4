"""Jinja2 pages from `templates/` (beside the package in the repo and in the staged bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

_HERE = Path(__file__).resolve()
# build/edgeauth/ → build/templates; src/edgeauth/ → templates
TEMPLATES_DIR = next(
    (p / "templates" for p in (_HERE.parents[1], _HERE.parents[2]) if (p / "templates").is_dir()),
    _HERE.parents[2] / "templates",
)

environment = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    auto_reload=False,
)


def render(
    name: str, context: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    return HTMLResponse(environment.get_template(name).render(context), status, headers=headers)


def render_slot(name: str, context: dict[str, Any], slot: str) -> Markup:
    """One part of a hosted page (`slot`: "head" or "widget", templates/base.html), as markup."""
    return Markup(environment.get_template(name).render({**context, "slot": slot}))  # noqa: S704 - autoescaped
