"""Auth0's MFA settings (`/api/v2/guardian/factors`, `/guardian/policies`): which factors a tenant
enables and whether every login needs one; kept in the tenant's settings, read by logins from its
snapshot (docs/mfa.md)."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from edgeauth.admin import tenants, users
from edgeauth.admin.errors import AdminError, bad_request, not_found
from edgeauth.mail.outgoing import send_email
from edgeauth.mfa import totp
from edgeauth.mfa.factors import FACTORS, OFFERED, OFFERED_POLICIES, POLICIES
from edgeauth.platform import Platform


def not_offered(what: str) -> AdminError:
    """Auth0's answer on a plan without the feature (403)."""
    return AdminError(403, f"{what} is not available on this deployment yet.", "feature_not_enabled")


async def _stored(platform: Platform, tenant_id: str) -> dict[str, Any]:
    stored: dict[str, Any] = await tenants.private_setting(platform, tenant_id, tenants.MFA_KEY, {})
    return stored


async def list_factors(platform: Platform, tenant_id: str) -> list[dict[str, Any]]:
    """Auth0 `GET /guardian/factors`: every factor, enabled or not."""
    enabled = (await _stored(platform, tenant_id)).get("factors", {})
    return [{"name": name, "enabled": enabled.get(name) is True, "trial_expired": False} for name in FACTORS]


def check_factor(name: str, enabled: bool) -> None:
    if name not in FACTORS:
        raise not_found(f"The factor {name} does not exist.", "inexistent_factor")
    if enabled and name not in OFFERED:
        raise not_offered(f"The {name} factor")


def check_policies(policies: list[str]) -> list[str]:
    unknown = [name for name in policies if name not in POLICIES]
    if unknown:
        raise bad_request(f"Payload validation error: '{unknown[0]}' is not a policy: {', '.join(POLICIES)}.")
    for name in policies:
        if name not in OFFERED_POLICIES:
            raise not_offered(f"The {name} policy")
    return list(dict.fromkeys(policies))


async def configure(
    platform: Platform,
    tenant_id: str,
    factors: dict[str, bool] | None = None,
    policies: list[str] | None = None,
) -> None:
    """Factors switched on or off and the policies replaced, checked first, in one write; logins
    follow at once (the tenant's snapshot)."""
    for name, enabled in (factors or {}).items():
        check_factor(name, enabled)
    change: dict[str, Any] = {}
    if factors:
        change["factors"] = factors
    if policies is not None:
        change["policies"] = check_policies(policies)
    await tenants.update_settings(platform, tenant_id, {tenants.MFA_KEY: change})


async def set_factor(platform: Platform, tenant_id: str, name: str, enabled: bool) -> dict[str, bool]:
    """Auth0 `PUT /guardian/factors/{name}`."""
    await configure(platform, tenant_id, factors={name: enabled})
    return {"enabled": enabled}


async def get_policies(platform: Platform, tenant_id: str) -> list[str]:
    """Auth0 `GET /guardian/policies`: `[]` (MFA never required) or `["all-applications"]`."""
    return list((await _stored(platform, tenant_id)).get("policies", []))


async def set_policies(platform: Platform, tenant_id: str, policies: list[str]) -> list[str]:
    """Auth0 `PUT /guardian/policies`: the whole list, replaced."""
    await configure(platform, tenant_id, policies=policies)
    return check_policies(policies)


async def list_authentication_methods(
    platform: Platform, tenant_id: str, user_id: str
) -> list[dict[str, Any]]:
    """Auth0 `GET /users/{id}/authentication-methods`: the user's second factors."""
    user, _ = await users.find_user(platform, tenant_id, user_id)
    return await user.authentication_methods()


async def delete_authentication_method(
    platform: Platform, tenant_id: str, user_id: str, method_id: str
) -> None:
    """Auth0 `DELETE /users/{id}/authentication-methods/{method}`."""
    user, _ = await users.find_user(platform, tenant_id, user_id)
    if not await user.delete_authenticators(method_id):
        raise not_found("Authentication method not found.", "inexistent_authentication_method")


async def delete_authenticators(platform: Platform, tenant_id: str, user_id: str) -> None:
    """Auth0 `DELETE /users/{id}/authenticators`: every factor; the next login enrolls afresh."""
    user, _ = await users.find_user(platform, tenant_id, user_id)
    await user.delete_authenticators()


async def create_authentication_method(
    platform: Platform, tenant_id: str, user_id: str, method: dict[str, Any]
) -> dict[str, Any]:
    """Auth0 `POST /users/{id}/authentication-methods`, for the kind a move from elsewhere carries
    as a secret: `totp` with its `totp_secret` (base32, at least 80 bits). Other kinds (phone,
    email, WebAuthn keys) are 400 here: edgeauth has no SMS, the email factor needs no method, and
    a key's public key cannot be checked without its registration."""
    if method.get("type") != "totp":
        raise bad_request("Only authentication methods of type totp can be created.")
    given = method.get("totp_secret")
    secret = given.replace(" ", "").rstrip("=").upper() if isinstance(given, str) else ""
    if not totp.is_secret(secret):
        raise bad_request("totp_secret must be a base32 secret of at least 16 characters.")
    user, _ = await users.find_user(platform, tenant_id, user_id)
    created = await user.import_otp(secret)
    if created is None:
        raise not_found("The user does not exist.", "inexistent_user")
    return created


async def create_enrollment_ticket(
    platform: Platform, tenant_id: str, issuer: str, body: dict[str, Any]
) -> dict[str, str]:
    """Auth0 `POST /guardian/enrollments/ticket`: a link for the user to set up an authenticator
    app without logging in (five days, once), emailed to the user (or `email`) unless `send_mail`
    is false; `ticket_id` names it (the link's secret is only in `ticket_url`)."""
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise bad_request("user_id is required.")
    for name, kind in (
        ("email", str),
        ("email_locale", str),
        ("send_mail", bool),
        ("allow_multiple_enrollments", bool),
    ):
        if name in body and not isinstance(body[name], kind):
            raise bad_request(f"{name} must be a {'string' if kind is str else 'boolean'}.")
    if body.get("factor") not in (None, "otp"):
        raise bad_request("Enrollment tickets are for the otp factor.")
    user, profile = await users.find_user(platform, tenant_id, user_id)
    token = await user.issue_enrollment_ticket()
    if token is None:
        raise not_found("The user does not exist.", "inexistent_user")
    url = f"{issuer}u/mfa-enrollment?{urlencode({'ticket': token})}"
    to = body.get("email") or profile.get("email")
    if body.get("send_mail", True) is not False and isinstance(to, str) and to:
        locale = str(body.get("email_locale") or "en")
        values = {"url": url, "user": {"email": to}}
        await send_email(
            platform, tenant_id, template="enrollment_email", to=to, locale=locale, values=values
        )
    return {"ticket_id": hashlib.sha256(token.encode()).hexdigest()[:24], "ticket_url": url}


async def regenerate_recovery_code(platform: Platform, tenant_id: str, user_id: str) -> dict[str, str]:
    """Auth0 `POST /users/{id}/recovery-code-regeneration`: a new code, the old one void."""
    user, _ = await users.find_user(platform, tenant_id, user_id)
    code = await user.regenerate_recovery_code()
    if code is None:
        raise not_found("The user does not exist.", "inexistent_user")
    return {"recovery_code": code}
