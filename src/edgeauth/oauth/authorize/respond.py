"""Sending the authorization response back (OAuth 2.0 response modes; Auth0 `web_message`).

`query` and `fragment` redirect; `form_post` answers with a self-submitting form (OAuth 2.0 Form
Post Response Mode); `web_message` answers with a page that posts
`{type: "authorization_response", response}` to the opener or parent window, targeting only the
origin of the redirect_uri (auth0-spa-js `runIframe`/popup, docs/auth0-contract.md, "Silent authentication").
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from starlette.responses import RedirectResponse, Response

from edgeauth.oauth.authorize.request import ReplyAddress
from edgeauth.templates import render

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _append(url: str, separator: str, params: dict[str, str]) -> str:
    joiner = separator if separator not in url else "&"
    return f"{url}{joiner}{urlencode(params)}"


def _form_post(reply: ReplyAddress, params: dict[str, str]) -> Response:
    return render("form_post.html", {"action": reply.redirect_uri, "params": params}, headers=NO_STORE)


def frame_ancestors(reply: ReplyAddress) -> str:
    """The redirect_uri's origin and the client's allowed web origins (well-formed ones only)."""
    origins = [origin_of(reply.redirect_uri)]
    origins += [o.rstrip("/") for o in reply.web_origins if ORIGIN.fullmatch(o.rstrip("/"))]
    return " ".join(dict.fromkeys(origins))


def _web_message(reply: ReplyAddress, params: dict[str, str]) -> Response:
    """The page auth0-spa-js waits for in its iframe or popup; it posts only to the redirect_uri's
    origin and may be framed by that origin and the client's allowed web origins."""
    target = origin_of(reply.redirect_uri)
    message = {"type": "authorization_response", "response": params}
    headers = {**NO_STORE, "Content-Security-Policy": f"frame-ancestors {frame_ancestors(reply)}"}
    return render("web_message.html", {"message": message, "target_origin": target}, headers=headers)


def authorization_response(reply: ReplyAddress, params: dict[str, str]) -> Response:
    """Success (`code`, tokens) or error parameters, with `state` echoed byte-exact."""
    if reply.state is not None:
        params = {**params, "state": reply.state}
    mode = reply.mode
    if mode == "form_post":
        return _form_post(reply, params)
    if mode == "web_message":
        return _web_message(reply, params)
    separator = "?" if mode == "query" else "#"
    return RedirectResponse(_append(reply.redirect_uri, separator, params), 302, headers=NO_STORE)


def error_response(reply: ReplyAddress, error: str, description: str) -> Response:
    return authorization_response(reply, {"error": error, "error_description": description})
