"""Which URLs an application (or tenant) may register to send browsers back to: callbacks,
allowed logout URLs and web origins (RFC 9700 §2.1, §4.1; RFC 8252 §7 for native apps).

`https` anywhere; `http` only to a loopback host (local development); a private-use scheme
(`com.example.app:/cb`) only for a native app, and never a scheme a browser runs or reads
(`javascript:`, `data:`, `file:`…). No wildcards and no user info: matching is exact.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from edgeauth.outbound import is_loopback_host

_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*")
FORBIDDEN_SCHEMES = frozenset(
    {"javascript", "data", "vbscript", "file", "blob", "about", "filesystem", "view-source", "ws", "wss"}
)


def redirect_url_problem(url: str, *, native: bool = False) -> str | None:
    """Why `url` may not be registered, or None when it may."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a malformed port raises here)
    except ValueError:
        return "is not a URL"
    scheme = parts.scheme.lower()
    if "*" in url or any(c.isspace() for c in url) or parts.username is not None:
        return "must be an exact URL (no wildcard, space or user info)"
    if scheme == "https":
        return None if parts.hostname else "needs a host"
    if scheme == "http":
        return (
            None if parts.hostname and is_loopback_host(parts.hostname) else "http is for loopback hosts only"
        )
    if native and _SCHEME.fullmatch(scheme) and scheme not in FORBIDDEN_SCHEMES:
        return None
    return "must use https (http on loopback; a private-use scheme for native apps only)"


def origin_problem(origin: str) -> str | None:
    """An allowed web origin: `scheme://host[:port]` under the same scheme rules, nothing after."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return "is not an origin"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "must be an origin (scheme, host, port only)"
    return redirect_url_problem(origin)
