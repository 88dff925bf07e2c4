"""The authorization request and the rules it must pass, one small function each.

Order matters (RFC 6749 §4.1.2.1): until the client and its redirect_uri are known to be good,
errors are shown on an error page and never redirected; after that they go back to the client.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from edgeauth.http.context import RequestContext
from edgeauth.mfa import audience as mfa_api
from edgeauth.mfa.factors import asks_for_mfa
from edgeauth.oauth.apis import find_api
from edgeauth.redirect_urls import redirect_url_problem
from edgeauth.snapshots import Client, load_client

RESPONSE_TYPES = {
    "code": "authorization_code",
    "token": "implicit",
    "id_token": "implicit",
    "id_token token": "implicit",
}
RESPONSE_MODES = {"query", "fragment", "form_post", "web_message"}
PROMPTS = {"none", "login", "consent", "select_account"}
OIDC_SCOPES = ("openid", "profile", "email", "offline_access")


# Ten digits are over 300 years of seconds; longer ones are refused (and `int()` of thousands of
# digits raises).
MAX_AGE_DIGITS = 10
# RFC 7636 §4.1/§4.2: 43 to 128 unreserved characters (an S256 challenge is 43 of base64url).
PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class PageError(Exception):
    """An error shown to the user; never redirected (unknown client, unregistered redirect_uri)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class RedirectError(Exception):
    """An error returned to the client's redirect_uri with `state` (RFC 6749 §4.1.2.1); `reply`
    is where it goes, once the client and its redirect_uri are known good."""

    def __init__(self, error: str, description: str, reply: ReplyAddress | None = None) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.reply = reply


@dataclass(frozen=True)
class ReplyAddress:
    """Where and how the authorization response goes back: the redirect_uri, `state` echoed, the
    response mode, and who may frame a `web_message` answer (the client's allowed web origins)."""

    redirect_uri: str
    state: str | None
    response_type: str
    response_mode: str
    web_origins: tuple[str, ...]

    @property
    def mode(self) -> str:
        """The effective response_mode: query for code, fragment for implicit (OAuth 2.0 Multiple
        Response Type Encoding Practices §5)."""
        if self.response_mode:
            return self.response_mode
        return "query" if self.response_type == "code" else "fragment"


@dataclass(frozen=True)
class AuthorizationRequest:
    """What a login transaction carries from `/authorize` to the code (all JSON-serialisable)."""

    client_id: str
    redirect_uri: str
    response_type: str = "code"
    response_mode: str = ""
    scope: str = "openid"
    state: str | None = None
    nonce: str | None = None
    audience: str = ""
    code_challenge: str = ""
    prompt: list[str] = field(default_factory=list)
    max_age: int | None = None
    login_hint: str = ""
    screen_hint: str = ""
    ui_locales: str = ""
    # Auth0 `connection`: go straight to this connection's provider (or its hosted page).
    connection: str = ""
    # The client's allowed web origins: who may frame a `web_message` response.
    web_origins: list[str] = field(default_factory=list)
    # OIDC Core §3.1.2.1 `acr_values`; Auth0's multi-factor policy URI asks for MFA on this login.
    acr_values: str = ""
    # The audience is the tenant's MFA API (`edgeauth.mfa.audience`): the user's object then asks
    # for the second factor of a user who has one.
    mfa_api: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuthorizationRequest:
        return cls(**data)

    @property
    def reply(self) -> ReplyAddress:
        return ReplyAddress(
            self.redirect_uri, self.state, self.response_type, self.response_mode, tuple(self.web_origins)
        )

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


def first(query: Any, name: str) -> str:
    return query.get(name) or ""


async def check_client(ctx: RequestContext, query: Any) -> Client:
    client_id = first(query, "client_id")
    if not client_id:
        raise PageError("invalid_request", "Missing required parameter: client_id")
    client = await load_client(ctx.platform.config, ctx.tenant.id, client_id)
    if client is None:
        raise PageError("invalid_request", f"Unknown client: {client_id}")
    return client


def check_redirect_uri(client: Client, query: Any) -> str:
    """Exact string match against the registered callbacks; one callback may be implied."""
    redirect_uri = first(query, "redirect_uri")
    if not redirect_uri and len(client.callbacks) == 1:
        return client.callbacks[0]
    if not redirect_uri:
        raise PageError("invalid_request", "Missing required parameter: redirect_uri")
    if redirect_uri not in client.callbacks or redirect_url_problem(
        redirect_uri, native=client.app_type == "native"
    ):
        raise PageError(
            "invalid_request",
            f'The redirect_uri "{redirect_uri}" is not in the list of allowed callback URLs.',
        )
    return redirect_uri


def check_response_type(client: Client, query: Any) -> str:
    response_type = " ".join(sorted(set(first(query, "response_type").split())))
    if response_type not in RESPONSE_TYPES:
        raise RedirectError(
            "unsupported_response_type", f"Unsupported response type: {first(query, 'response_type')}"
        )
    if RESPONSE_TYPES[response_type] not in client.grant_types:
        raise RedirectError(
            "unauthorized_client",
            f"Grant type '{RESPONSE_TYPES[response_type]}' not allowed for the client.",
        )
    return response_type


def check_response_mode(query: Any, response_type: str) -> str:
    mode = first(query, "response_mode")
    if mode and mode not in RESPONSE_MODES:
        raise RedirectError("invalid_request", f"Unsupported response_mode: {mode}")
    if mode == "query" and response_type != "code":
        raise RedirectError("invalid_request", "Tokens must not be returned in the query string.")
    return mode


def check_nonce(query: Any, response_type: str) -> str | None:
    nonce: str | None = query.get("nonce")
    if "id_token" in response_type and not nonce:
        raise RedirectError("invalid_request", "Missing required parameter: nonce")
    return nonce


def check_pkce(client: Client, query: Any, response_type: str) -> str:
    """S256 only; required for public clients using the code flow (RFC 7636, OAuth 2.1). A
    challenge without a method is `plain` (RFC 7636 §4.3), which is refused like any other."""
    challenge = first(query, "code_challenge")
    method = first(query, "code_challenge_method") or ("plain" if challenge else "")
    if challenge and method != "S256":
        raise RedirectError("invalid_request", "code_challenge_method must be S256.")
    if challenge and not PKCE_VALUE.fullmatch(challenge):
        raise RedirectError("invalid_request", "Invalid code_challenge.")
    if response_type == "code" and not client.is_confidential and not challenge:
        raise RedirectError("invalid_request", "Missing required parameter: code_challenge")
    return challenge


def check_prompt(query: Any) -> list[str]:
    prompt = first(query, "prompt").split()
    unknown = [p for p in prompt if p not in PROMPTS]
    if unknown or ("none" in prompt and len(prompt) > 1):
        raise RedirectError("invalid_request", f"Invalid prompt: {first(query, 'prompt')}")
    return prompt


def check_max_age(query: Any) -> int | None:
    raw = first(query, "max_age")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_AGE_DIGITS:
        raise RedirectError("invalid_request", "max_age must be a non-negative integer.")
    return int(raw)


def check_acr_values(query: Any, response_type: str) -> str:
    """Auth0's multi-factor `acr_values` is honoured where the user's object sees the request: the
    code flow (every Auth0 SDK's). An implicit request asking for it is refused, not downgraded."""
    acr_values = first(query, "acr_values")
    if asks_for_mfa(acr_values) and "code" not in response_type.split():
        raise RedirectError("invalid_request", "acr_values asking for MFA needs a response_type with code.")
    return acr_values


def check_mfa_api(ctx: RequestContext, audience: str, response_type: str) -> bool:
    """A request for the MFA API's token (`edgeauth.mfa.audience`) must pass the user's second
    factor, which the user's object checks in the code flow only: an implicit one is refused."""
    for_mfa_api = mfa_api.names_mfa_api(ctx.issuer, audience)
    if for_mfa_api and "code" not in response_type.split():
        raise RedirectError("invalid_request", "The MFA API audience needs a response_type with code.")
    return for_mfa_api


async def check_audience(ctx: RequestContext, query: Any) -> str:
    audience = first(query, "audience") or ctx.tenant.default_audience
    if audience and await find_api(ctx, audience) is None:
        raise RedirectError("access_denied", f"Service not found: {audience}")
    return audience


def reply_address(client: Client, query: Any, redirect_uri: str) -> ReplyAddress:
    """Where errors go once the redirect_uri is known good: the response type as asked when the
    client may use it (else `code`: the query), the response mode as asked when it is a known one."""
    try:
        response_type = check_response_type(client, query)
    except RedirectError:
        response_type = "code"
    mode = first(query, "response_mode")
    return ReplyAddress(
        redirect_uri,
        query.get("state"),
        response_type,
        mode if mode in RESPONSE_MODES else "",
        tuple(client.web_origins),
    )


async def checked_request(
    ctx: RequestContext, client: Client, query: Any, redirect_uri: str
) -> AuthorizationRequest:
    """The request, every rule after the redirect_uri passed (each raises `RedirectError`)."""
    response_type = check_response_type(client, query)
    audience = await check_audience(ctx, query)
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        response_type=response_type,
        response_mode=check_response_mode(query, response_type),
        scope=first(query, "scope") or "openid",
        state=query.get("state"),
        nonce=check_nonce(query, response_type),
        audience=audience,
        code_challenge=check_pkce(client, query, response_type),
        prompt=check_prompt(query),
        max_age=check_max_age(query),
        login_hint=first(query, "login_hint"),
        screen_hint=first(query, "screen_hint"),
        ui_locales=first(query, "ui_locales"),
        connection=first(query, "connection"),
        web_origins=client.web_origins,
        acr_values=check_acr_values(query, response_type),
        mfa_api=check_mfa_api(ctx, audience, response_type),
    )


async def parse_authorization_request(ctx: RequestContext, query: Any) -> tuple[Client, AuthorizationRequest]:
    """Every rule of `/authorize`: `PageError` until the client and its redirect_uri are good,
    `RedirectError` carrying its `ReplyAddress` after."""
    client = await check_client(ctx, query)
    redirect_uri = check_redirect_uri(client, query)
    try:
        return client, await checked_request(ctx, client, query, redirect_uri)
    except RedirectError as exc:
        raise RedirectError(exc.error, exc.description, reply_address(client, query, redirect_uri)) from None
