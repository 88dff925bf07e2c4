"""Page and email text by locale: one JSON file per language in `templates/locales/` (adding a file
adds it), named by its BCP 47 tag (`pt-BR.json`).

The locale is the first of `ui_locales` (OpenID Connect Core §3.1.2.1), then of `Accept-Language`
(RFC 9110 §12.5.4), that the tenant offers — exactly, or by its primary language (`pt` → `pt-BR`,
`en-US` → `en`) — else the tenant's first offered locale. A tenant offers its `enabled_locales`
(Auth0 tenant setting; the first is the default); one that never set them offers every language
shipped, English first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache

from edgeauth.templates import TEMPLATES_DIR

DEFAULT = "en"
LOCALES_DIR = TEMPLATES_DIR / "locales"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


@cache
def available() -> dict[str, str]:
    """The shipped locales, by lower-case tag: `{"pt-br": "pt-BR", …}`."""
    return {path.stem.lower(): path.stem for path in sorted(LOCALES_DIR.glob("*.json"))}


def shipped() -> list[str]:
    """Every shipped locale, English first: what a tenant offers until it sets `enabled_locales`."""
    return sorted(available().values(), key=lambda tag: (tag != DEFAULT, tag))


@cache
def messages(locale: str) -> dict[str, str]:
    """The locale's words over English's (a key a locale lacks reads in English)."""
    text: dict[str, str] = json.loads((LOCALES_DIR / f"{DEFAULT}.json").read_text(encoding="utf-8"))
    if locale != DEFAULT:
        text.update(json.loads((LOCALES_DIR / f"{locale}.json").read_text(encoding="utf-8")))
    return text


def direction(locale: str) -> str:
    """The writing direction of the locale (`dir` of the page and of the email)."""
    return "rtl" if locale.split("-")[0].lower() in RIGHT_TO_LEFT else "ltr"


def _quality(params: list[str]) -> float:
    """The `q` weight among a range's parameters (any case, any position), 1 when absent."""
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def _accept_language(header: str) -> list[str]:
    """Language tags by descending q (RFC 9110 §12.5.4); `*` and q=0 carry no preference."""
    ranked = []
    for index, part in enumerate(header.split(",")):
        tag, *params = part.split(";")
        tag, quality = tag.strip(), _quality(params)
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def _match(tag: str, offered: dict[str, str]) -> str | None:
    """The offered locale for a tag: the same tag, else the first with its primary language."""
    tag = tag.lower()
    if tag in offered:
        return offered[tag]
    primary = tag.split("-")[0]
    return next((name for key, name in offered.items() if key.split("-")[0] == primary), None)


def offered_locales(enabled: Sequence[str]) -> dict[str, str]:
    """The shipped locales the tenant's enabled ones name (exactly or by primary language:
    `fr-CA` → `fr`), in its order; every shipped one when they name none."""
    offered: dict[str, str] = {}
    for tag in enabled:
        found = _match(tag, available())
        if found is not None:
            offered.setdefault(found.lower(), found)
    return offered or {tag.lower(): tag for tag in shipped()}


def choose_locale(ui_locales: str, accept_language: str, enabled: Sequence[str] = ()) -> str:
    offered = offered_locales(enabled)
    for tag in ui_locales.split() + _accept_language(accept_language):
        found = _match(tag, offered)
        if found is not None:
            return found
    return next(iter(offered.values()))
