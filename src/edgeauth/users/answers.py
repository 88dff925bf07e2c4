"""What a user object answers, typed: results as TypedDicts, refusals as one value type.

A refusal is `Refused(code, message)` with a code from `Refusal`; on the wire (Durable Object RPC:
JSON-like data only) it travels as `{"refused": code, "message": message}` (and the `user_id` of
a second factor's wrong answer, for the Guardian log event the Worker records) and the handle
(`edgeauth.users.objects`) turns it back into a `Refused`. Each API edge maps codes to its own
errors once: the Authentication API (`oauth/grants/rules.py`), the hosted pages
(`login/pages.py`, `passwordless/pages.py`), the Management API (`admin/users.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NotRequired, TypedDict, cast

# The Auth0 Management API user object (`user_id`, `email`, `identities`, metadata, …).
UserJson = dict[str, Any]
# An authorization request as the object keeps it (`AuthorizationRequest.to_json()`).
RequestJson = dict[str, Any]
# JSON-like data as it crosses the RPC: arguments, and a refusal's wire form (`Refused.to_wire`).
Wire = dict[str, Any]


class Refusal(StrEnum):
    WRONG_CREDENTIALS = "wrong_credentials"
    # The user has no password (imported without one): a wrong password to every caller, but a lazy
    # migration may check it upstream (`edgeauth.users.lazy_migration`).
    NO_PASSWORD = "no_password"
    WRONG_CODE = "wrong_code"
    BLOCKED = "blocked"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    LOGIN_REQUIRED = "login_required"
    STALE_SESSION = "stale_session"  # a live session older than `max_age`
    INVALID_CODE = "invalid_code"  # unknown, expired, spent, or bound to another client or PKCE
    INVALID_REFRESH_TOKEN = "invalid_refresh_token"
    SCOPE_EXCEEDED = "scope_exceeded"
    INVALID_LINK = "invalid_link"
    INVALID_TICKET = "invalid_ticket"
    UNVERIFIED_BROWSER = "unverified_browser"  # a login ticket without its browser's verifier
    UNVERIFIED_OWNER = "unverified_owner"  # a verified identity meets a user whose email is not
    UNUSABLE_ACCOUNT = "unusable_account"  # an identity that cannot log in here
    NO_SUCH_USER = "no_such_user"
    NO_SUCH_IDENTITY = "no_such_identity"
    UNSUPPORTED_SECONDARY = "unsupported_secondary"
    MFA_REQUIRED = "mfa_required"  # the tenant requires MFA where no second factor can be asked yet
    INVALID_MFA_TOKEN = "invalid_mfa_token"  # unknown, expired, spent, or another client's
    ALREADY_ENROLLED = "already_enrolled"
    WRONG_OTP = "wrong_otp"
    WRONG_RECOVERY_CODE = "wrong_recovery_code"
    MFA_LOCKED = "mfa_locked"  # too many wrong codes for this factor
    FACTOR_DISABLED = "factor_disabled"  # a second factor the tenant does not enable
    WRONG_CREDENTIAL = "wrong_credential"  # a WebAuthn answer that fails a relying party check
    USER_EXISTS = "user_exists"


# Auth0's words where an SDK or a person reads them.
MESSAGES = {
    Refusal.WRONG_CREDENTIALS: "Wrong email or password.",
    Refusal.NO_PASSWORD: "Wrong email or password.",
    Refusal.WRONG_CODE: "Wrong email or verification code.",
    Refusal.BLOCKED: "user is blocked",
    Refusal.TOO_MANY_ATTEMPTS: "Your account has been blocked after multiple consecutive login attempts.",
    Refusal.LOGIN_REQUIRED: "Login required",
    Refusal.STALE_SESSION: "Login required",
    Refusal.INVALID_CODE: "Invalid authorization code",
    Refusal.INVALID_REFRESH_TOKEN: "Unknown or invalid refresh token.",
    Refusal.SCOPE_EXCEEDED: "The requested scope exceeds the granted scope.",
    Refusal.INVALID_LINK: "The link is invalid or has expired.",
    Refusal.INVALID_TICKET: "Invalid or expired login ticket.",
    Refusal.UNVERIFIED_BROWSER: "The login ticket was not issued to this browser.",
    Refusal.UNVERIFIED_OWNER: "The account's email is not verified.",
    Refusal.UNUSABLE_ACCOUNT: "The account cannot be used here.",
    Refusal.NO_SUCH_USER: "The user does not exist.",
    Refusal.NO_SUCH_IDENTITY: "The user has no such secondary identity.",
    Refusal.UNSUPPORTED_SECONDARY: "Only enterprise and social accounts can be linked as secondary accounts.",
    Refusal.MFA_REQUIRED: "Multifactor authentication required",
    Refusal.INVALID_MFA_TOKEN: "Malformed mfa_token",
    Refusal.ALREADY_ENROLLED: "User is already enrolled.",
    Refusal.WRONG_OTP: "Invalid otp_code.",
    Refusal.WRONG_RECOVERY_CODE: "Invalid recovery_code.",
    Refusal.MFA_LOCKED: "Too many failed attempts. Try again later.",
    Refusal.FACTOR_DISABLED: "This factor is not enabled for the tenant.",
    Refusal.WRONG_CREDENTIAL: "The security key or passkey could not be verified.",
    Refusal.USER_EXISTS: "The user already exists.",
}


@dataclass(frozen=True)
class Refused:
    code: Refusal
    message: str
    user_id: str = ""  # whose second factor refused the answer (never sent to a client)

    def to_wire(self) -> dict[str, str]:
        wire = {"refused": self.code.value, "message": self.message}
        return {**wire, "user_id": self.user_id} if self.user_id else wire


def refused(code: Refusal, message: str = "", user_id: str = "") -> Refused:
    """A refusal with Auth0's words for it unless a more precise message is given."""
    return Refused(code, message or MESSAGES[code], user_id)


def refusal(code: Refusal) -> dict[str, str]:
    """A refusal with Auth0's words for it, as it travels."""
    return refused(code).to_wire()


WIRE_KEYS = (frozenset({"refused", "message"}), frozenset({"refused", "message", "user_id"}))
# A reach key (`durable_objects/user/routing.py`): the caller reads refusals that name the user.
# A Worker of an earlier version does not send it (its reader takes `{refused, message}` only, and
# any other dict for an answer), so an object gives it refusals without the `user_id`.
NAMED_REFUSALS = "named_refusals"


def unnamed(answer: Any) -> Any:
    """The answer as a caller without `NAMED_REFUSALS` reads it: a refusal without `user_id`."""
    if isinstance(answer, dict) and set(answer) == WIRE_KEYS[1]:
        return {"refused": answer["refused"], "message": answer["message"]}
    return answer


def from_wire(value: Any) -> Any:
    """An answer off the wire: a `Refused` where the object refused, else the value itself."""
    if isinstance(value, dict) and set(value) in WIRE_KEYS:
        return Refused(Refusal(value["refused"]), str(value["message"]), str(value.get("user_id", "")))
    return value


class Snapshot(TypedDict):
    """A user and its version (`user` None: nobody, or deleted)."""

    version: int
    user: UserJson | None


class Created(TypedDict):
    created: bool
    user: UserJson | None
    object_id: str  # the object the user lives in (an imported id's alias points to it)
    marker: str  # the import row that created it ("" otherwise)


class Login(TypedDict):
    """What a successful authentication ends in (`edgeauth.users.completion`): the user, and a
    session (`session_token`, `sid`) with maybe a `code`, or tokens' inputs (`request`, maybe a
    `refresh_token`), or a `login_ticket`."""

    user: UserJson
    sid: NotRequired[str]
    auth_time: NotRequired[int]
    code: NotRequired[str]
    session_token: NotRequired[str]
    request: NotRequired[RequestJson]
    refresh_token: NotRequired[str]
    login_ticket: NotRequired[str]
    object_id: NotRequired[str]
    # Passed with a second factor: `amr` for the ID token, and a recovery code that replaced the one used.
    amr: NotRequired[list[str]]
    recovery_code: NotRequired[str]
    # The answer confirmed the user's first second factor (Guardian's "enrollment complete").
    enrolled: NotRequired[bool]
    # The browser's device tokens after this login (Adaptive MFA): the Worker keeps them in a cookie.
    device: NotRequired[str]


class MfaPending(TypedDict):
    """A login that still needs its second factor (Auth0 `mfa_required`): the token to continue
    with and what the user can do, `{"challenge": [...]}` or `{"enroll": [...]}`."""

    user: UserJson
    mfa_token: str
    mfa_requirements: dict[str, list[dict[str, str]]]
    object_id: NotRequired[str]


class Enrolled(TypedDict):
    """Auth0 `POST /mfa/associate` for `otp`: the secret, its QR code URI, maybe a recovery code."""

    client_id: str  # the mfa_token's client (for CORS); not part of Auth0's answer
    authenticator_type: str
    secret: str
    barcode_uri: str
    recovery_codes: NotRequired[list[str]]


class Redeemed(TypedDict):
    """A code exchanged or a refresh token rotated: the request it carried, its session, the user."""

    request: RequestJson
    sid: str
    auth_time: int
    user: UserJson
    refresh_token: NotRequired[str]
    amr: NotRequired[list[str]]
    recovery_code: NotRequired[str]


class Sent(TypedDict, total=False):
    """What `/passwordless/start` sends: a code or a link (nothing while the address moves)."""

    code: str
    link: str


class Identities(TypedDict):
    identities: list[dict[str, Any]]


class Unlinked(TypedDict):
    identities: list[dict[str, Any]]
    removed: dict[str, Any]


def second_factor_due(answer: Login | MfaPending | Refused) -> MfaPending | None:
    """The mfa_token answer of a login that needs its second factor, else None."""
    if isinstance(answer, Refused) or "mfa_token" not in answer:
        return None
    return cast(MfaPending, answer)


def in_browser(answer: Login | MfaPending | Refused) -> Login | Refused:
    """A login a browser finishes (hosted page, link, social, ticket). The object refuses one that
    needs a second factor where none can be asked yet, so an mfa_token never reaches a browser; if
    one did, it is refused the same way."""
    if isinstance(answer, Refused):
        return answer
    if "mfa_token" in answer:
        return refused(Refusal.MFA_REQUIRED)
    return answer
