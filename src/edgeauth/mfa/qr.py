"""The enrolment QR code of an authenticator app: the `otpauth://` URI as inline SVG (segno, pure
Python, so the same code draws it under Pyodide)."""

from __future__ import annotations

from markupsafe import Markup, escape


def qr_svg(uri: str, label: str) -> Markup:
    """An `<svg role="img">` named `label` for screen readers, dark on white with a quiet zone."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S704
