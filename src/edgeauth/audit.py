"""Tenant logs: one event per login, signup, token exchange, logout and Management API call, with
Auth0's type codes ("Log Event Type Codes"), sent through USER_EVENTS in `log_rows` messages (each
a batch of events, every event already the row D1's `logs` table stores) that the consumer stores
in D1 (queues/audit_logs.py). Plain Python: it runs on the login path.

The log id is chosen here, so a redelivered message is stored once. Sending never fails the
user's request: a failed send is printed and dropped.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from functools import lru_cache
from typing import Any, NamedTuple, TypedDict
from weakref import WeakKeyDictionary

from starlette.requests import Request

from edgeauth.platform import Platform, Settings
from edgeauth.ports import QueueProducer
from edgeauth.rows import to_json_column

MESSAGE_TYPE = "log_rows"

# Auth0 log event type codes (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes).
SUCCESS_LOGIN = "s"
FAILED_LOGIN = "f"  # the user's object answers alike for an unknown email and a wrong password
BLOCKED_ACCOUNT = "limit_wc"
SUCCESS_SIGNUP = "ss"
FAILED_SIGNUP = "fs"
SUCCESS_LOGOUT = "slo"
CODE_LINK_SENT = "cls"
SUCCESS_VERIFICATION_EMAIL = "sv"
FAILED_VERIFICATION_EMAIL = "fv"
SUCCESS_CHANGE_PASSWORD_REQUEST = "scpr"
SUCCESS_CHANGE_PASSWORD = "scp"
FAILED_CHANGE_PASSWORD = "fcp"
SUCCESS_CROSS_ORIGIN_AUTHENTICATION = "scoa"
FAILED_CROSS_ORIGIN_AUTHENTICATION = "fcoa"
FAILED_SENDING_NOTIFICATION = "fn"
SUCCESS_API_OPERATION = "sapi"
FAILED_API_OPERATION = "fapi"


class Exchange(NamedTuple):
    """Auth0's "Success Exchange" / "Failed Exchange" codes of one grant type."""

    success: str
    failure: str
    description: str


EXCHANGES = {
    "authorization_code": Exchange("seacft", "feacft", "Authorization Code for Access Token"),
    "refresh_token": Exchange("sertft", "ferrt", "Refresh Token for Access Token"),
    "client_credentials": Exchange("seccft", "feccft", "Client Credentials for Access Token"),
    "password": Exchange("sepft", "fepft", "Password for Access Token"),
    "http://auth0.com/oauth/grant-type/password-realm": Exchange(
        "sepft", "fepft", "Password for Access Token"
    ),
    "http://auth0.com/oauth/grant-type/passwordless/otp": Exchange(
        "seotpft", "feotpft", "Passwordless OTP for Access Token"
    ),
    "http://auth0.com/oauth/grant-type/mfa-otp": Exchange(
        "seotpft", "feotpft", "Password and OTP Challenge for Access Token"
    ),
    "http://auth0.com/oauth/grant-type/mfa-oob": Exchange(
        "seoobft", "feoobft", "Password and OOB Challenge for Access Token"
    ),
    "http://auth0.com/oauth/grant-type/mfa-recovery-code": Exchange(
        "sercft", "fercft", "Password and MFA Recovery code for Access Token"
    ),
}
FIELDS = ("ip", "user_agent", "client_id", "client_name", "user_id", "user_name", "connection")
# A `log_rows` message's row: the values of D1's `logs` columns in this order, the order of the
# consumer's INSERT (`details` as JSON text, an absent field as null). Rows, not objects: no key
# is encoded, sent, decoded or looked up per event.
COLUMNS = ("tenant_id", "log_id", "date", "type", "description", "details", *FIELDS)
_FIELD_NAMES = frozenset(FIELDS)
LogRow = list[str | None]


def new_log_id(epoch: float) -> str:
    """Time-ordered and unique, sortable as a string like Auth0's: 15 digits of milliseconds,
    then 16 random hex digits (`rows` makes the same for a batch of events)."""
    return f"{int(epoch * 1000):015d}{secrets.token_hex(8)}"


def log_date(millis: int) -> str:
    """The event's `date` (ISO 8601 UTC, milliseconds): the same millisecond as its log id."""
    second, milli = divmod(millis, 1000)
    return f"{_iso_second(second)}.{milli:03d}Z"


@lru_cache(maxsize=2)
def _iso_second(second: int) -> str:
    """Events come many to a second: its text is formatted once."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def client_ip(request: Request, settings: Settings) -> str:
    """The caller's IP as the runtime vouches for it (docs/security.md "Client IPs"): the header
    Cloudflare sets on Workers (`CF-Connecting-IP`, which a client cannot forge there); locally the
    socket peer, or the last `X-Forwarded-For` hop when the peer is a configured proxy. Never a
    header a client could rotate to escape brute-force protection."""
    if settings.client_ip_header:
        vouched = request.headers.get(settings.client_ip_header, "").strip()
        if vouched:
            return vouched
    peer = request.client.host if request.client else ""
    if peer and peer in settings.trusted_proxies:
        hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
        return hops[-1] if hops else peer
    return peer


class RequestFields(TypedDict):
    ip: str
    user_agent: str


def request_fields(request: Request, ip: str) -> RequestFields:
    """Who sent the request: its IP (`client_ip`, as the request context holds it) and User-Agent."""
    return {"ip": ip, "user_agent": request.headers.get("user-agent", "")}


# A log event as recorded on the request's path: its tenant, millisecond, type code, description,
# details and `FIELDS`; `rows` makes it the stored row after the response.
Event = tuple[str, int, str, str, dict[str, Any] | None, dict[str, str]]


def event(
    platform: Platform,
    tenant_id: str,
    type_code: str,
    description: str = "",
    details: dict[str, Any] | None = None,
    **fields: str,
) -> Event:
    """One Auth0 log event of a tenant, now."""
    if not _FIELD_NAMES.issuperset(fields):
        raise TypeError(f"not a log field: {sorted(set(fields) - _FIELD_NAMES)}")
    return (tenant_id, int(platform.clock() * 1000), type_code, description, details, fields)


def rows(events: list[Event]) -> list[LogRow]:
    """The events as the rows D1 stores (`COLUMNS`: `log_id`, `date`, `type`, `description`,
    `details` and `FIELDS`), built together after the response (one draw of randomness for every
    log id): the request itself only notes the event."""
    randomness = secrets.token_hex(8 * len(events))
    built = []
    for n, (tenant_id, millis, type_code, description, details, fields) in enumerate(events):
        log_id = f"{millis:015d}{randomness[16 * n : 16 * n + 16]}"
        row: LogRow = [tenant_id, log_id, log_date(millis), type_code, description]
        row.append(to_json_column(details or {}))
        built.append(row + [fields.get(name) or None for name in FIELDS])
    return built


# Log events recorded and not yet sent, per queue producer (one per isolate, or per process
# locally).
_WAITING: WeakKeyDictionary[QueueProducer, list[Event]] = WeakKeyDictionary()
# How long the first event of a batch waits for others (after its response: no one waits on it).
BATCH_WINDOW_SECONDS = 0.1
# One `log_rows` message carries at most this many events and bytes (a Cloudflare Queues message
# holds at most 128 KB).
MAX_MESSAGE_EVENTS = 100
MAX_MESSAGE_BYTES = 100_000


async def record(
    platform: Platform,
    tenant_id: str,
    type_code: str,
    description: str = "",
    details: dict[str, Any] | None = None,
    **fields: str,
) -> None:
    """Queue one log event after the response (`Platform.defer`), batched with the events other
    requests record meanwhile; a failure is printed, never raised (the request goes on)."""
    waiting = _WAITING.setdefault(platform.user_events, [])
    waiting.append(event(platform, tenant_id, type_code, description, details, **fields))
    if len(waiting) == 1:  # the first of a batch sends it
        await platform.defer(send_waiting(platform))


def messages(rows: list[LogRow]) -> list[dict[str, Any]]:
    """The rows packed, in order, into as few `log_rows` messages as the limits allow: one queue
    message (and one D1 batch at the consumer) per batch of events, not one per event. A run is
    measured whole and halved only when it is too large (rare: events are a few hundred bytes)."""
    step = MAX_MESSAGE_EVENTS
    runs = [rows[start : start + step] for start in range(0, len(rows), step)]
    packed: list[list[LogRow]] = []
    while runs:
        run = runs.pop(0)
        if len(run) > 1 and len(json.dumps(run)) > MAX_MESSAGE_BYTES:
            half = len(run) // 2
            runs[:0] = [run[:half], run[half:]]
        else:
            packed.append(run)
    return [{"type": MESSAGE_TYPE, "rows": run} for run in packed]


async def send_waiting(platform: Platform) -> None:
    await asyncio.sleep(BATCH_WINDOW_SECONDS)
    events = _WAITING.pop(platform.user_events, [])
    try:
        batch = messages(rows(events))
    except Exception as exc:  # an audit log never fails the user's request
        print(f"edgeauth: {len(events)} log events not sent: {exc!r}")
        return
    for message in batch:
        try:
            await platform.user_events.send(message)
        except Exception as exc:
            print(f"edgeauth: {len(message['rows'])} log events not sent: {exc!r}")
