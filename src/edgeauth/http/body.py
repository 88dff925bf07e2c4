"""Request parameters from a form or JSON body (docs/auth0-contract.md, "Request bodies"), with a size
limit."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request

from edgeauth.encoding import loads_bounded
from edgeauth.http.errors import invalid_request

MAX_BODY_BYTES = 64 * 1024
FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, refusing (413) anything over `limit` before or while reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise invalid_request("Request body too large.", status=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise invalid_request("Request body too large.", status=413)
    return bytes(body)


def _form_value(text: str) -> str:
    """One name or value of a urlencoded form, decoded as `parse_qsl` decodes it (`+` is a
    space; percent-escapes as UTF-8, invalid ones replaced), skipped when there is none."""
    return unquote_plus(text) if "%" in text or "+" in text else text


def _form_pairs(text: str) -> list[tuple[str, str]]:
    """`parse_qsl(text, keep_blank_values=True)`: `&`-separated fields, a field without `=`
    a blank value, empty fields skipped (URL Standard, application/x-www-form-urlencoded)."""
    pairs = []
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((_form_value(name), _form_value(value)))
    return pairs


def _parse_form(body: bytes) -> dict[str, Any]:
    """RFC 6749 §3.2: parameters MUST NOT be included more than once."""
    try:
        pairs = _form_pairs(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise invalid_request("Malformed form body.") from exc
    params: dict[str, Any] = {}
    for name, value in pairs:
        if name in params:
            raise invalid_request(f"Parameter '{name}' is included more than once.")
        params[name] = value
    return params


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        params = loads_bounded(body or b"{}")
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise invalid_request("Malformed JSON body.") from exc
    if not isinstance(params, dict):
        raise invalid_request("The JSON body must be an object.")
    return params


async def read_params(request: Request) -> dict[str, Any]:
    """Form or JSON body as a dict; any other content type is an `invalid_request`."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in (FORM, JSON_TYPE):
        raise invalid_request(f"Content-Type must be {FORM} or {JSON_TYPE}.")
    body = await read_limited(request)
    return _parse_form(body) if content_type == FORM else _parse_json(body)


async def read_fields(request: Request) -> dict[str, str]:
    """A posted form's fields, each a string (`read_params`, `string_param`): `invalid_request`
    for any other body."""
    params = await read_params(request)
    return {name: string_param(params, name) for name in params}


def string_param(params: dict[str, Any], name: str) -> str:
    """A parameter that must be a string when present; missing or JSON `null` → '' (auth0-python
    sends `null` for the optional ones it was not given)."""
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid_request(f"Parameter '{name}' must be a string.")
    return value
