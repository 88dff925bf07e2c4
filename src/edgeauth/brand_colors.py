"""A tenant's brand colour made readable (WCAG 2.2 §1.4.3, contrast at least 4.5:1): the button
keeps the colour and gets black or white words, whichever contrasts more; where the colour itself
carries words on the white card (links, the secondary button), it is darkened until it reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from edgeauth.snapshots import Tenant

WHITE, BLACK = "#ffffff", "#000000"
HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
MINIMUM_CONTRAST = 4.5


@dataclass(frozen=True)
class Colors:
    primary: str  # the button's background, as the tenant chose it
    on_primary: str  # the button's words
    accent: str  # the colour as words on white: links, the secondary button


def _channels(color: str) -> tuple[int, int, int]:
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _luminance(channels: tuple[int, int, int]) -> float:
    """Relative luminance (WCAG 2.2, definition of relative luminance)."""
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The contrast ratio of two `#rgb`/`#rrggbb` colours, 1 to 21."""
    lighter, darker = sorted((_luminance(_channels(first)), _luminance(_channels(second))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _darkened(color: str) -> str:
    """The colour moved towards black until it reaches the minimum contrast on white."""
    red, green, blue = _channels(color)
    for step in range(21):
        keep = 1 - step / 20
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c * keep) for c in (red, green, blue)))
        if contrast(candidate, WHITE) >= MINIMUM_CONTRAST:
            return candidate
    return BLACK


@lru_cache(maxsize=256)
def brand_colors(primary: str) -> Colors:
    """The page's colours for a tenant whose brand colour is `primary` (the default if that is not a
    hex colour: stored values are validated, this keeps a page from failing on one that was not)."""
    if not HEX.fullmatch(primary):
        primary = Tenant.primary_color
    on_primary = WHITE if contrast(primary, WHITE) >= contrast(primary, BLACK) else BLACK
    return Colors(primary=primary, on_primary=on_primary, accent=_darkened(primary))
