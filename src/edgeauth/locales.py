"""Page text by locale: one JSON file per language in `templates/locales/` (adding a file adds it).

The locale is the first of `ui_locales` (OpenID Connect Core §3.1.2.1) that exists, else the best
`Accept-Language` match, else English.
"""

from __future__ import annotations

import json
from functools import cache

from edgeauth.templates import TEMPLATES_DIR

DEFAULT = "en"
LOCALES_DIR = TEMPLATES_DIR / "locales"


@cache
def available() -> frozenset[str]:
    return frozenset(p.stem for p in LOCALES_DIR.glob("*.json"))


@cache
def messages(locale: str) -> dict[str, str]:
    text: dict[str, str] = json.loads((LOCALES_DIR / f"{DEFAULT}.json").read_text(encoding="utf-8"))
    if locale != DEFAULT:
        text.update(json.loads((LOCALES_DIR / f"{locale}.json").read_text(encoding="utf-8")))
    return text


def _accept_language(header: str) -> list[str]:
    """Language tags by descending q (RFC 9110 §12.5.4)."""
    ranked = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            ranked.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def choose_locale(ui_locales: str, accept_language: str) -> str:
    for tag in ui_locales.split() + _accept_language(accept_language):
        for candidate in (tag.lower(), tag.lower().split("-")[0]):
            if candidate in available():
                return candidate
    return DEFAULT
