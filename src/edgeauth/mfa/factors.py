"""Auth0's MFA factors and policies (`/api/v2/guardian/factors`, `/guardian/policies`), and what a
tenant's choice of them means for a login."""

from __future__ import annotations

OTP = "otp"
EMAIL = "email"
RECOVERY_CODE = "recovery-code"
# Every factor name Auth0 knows, in the order `GET /guardian/factors` lists them.
FACTORS = (
    "sms",
    "push-notification",
    "otp",
    "email",
    "duo",
    "webauthn-roaming",
    "webauthn-platform",
    "recovery-code",
)
# What edgeauth can enroll and check today; enabling another factor is refused (403).
OFFERED = ("otp", "email", "webauthn-roaming", "webauthn-platform", "recovery-code")
# Factors a user can enroll as their first one (a recovery code comes with one of these), in the
# order the hosted page offers them.
FIRST_FACTORS = ("otp", "webauthn-roaming", "webauthn-platform")
WEBAUTHN_FACTORS = ("webauthn-roaming", "webauthn-platform")
# `all-applications`: every login needs a second factor; `confidence-score` (Auth0's Adaptive MFA):
# only a login of low confidence, here one from a device the user has not used lately.
POLICIES = ("all-applications", "confidence-score")
OFFERED_POLICIES = POLICIES


# Auth0: `acr_values` with this policy asks for MFA on one login (whatever the tenant's policy), and
# the ID token then says it in `acr`.
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


def masked(address: str) -> str:
    """`j***@example.com`: enough for the user to know which address, little for a bystander."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def asks_for_mfa(acr_values: str) -> bool:
    return MFA_ACR in acr_values.split()


def requires_mfa(factors: list[str], policies: list[str]) -> bool:
    """MFA is required at every login when the policy says so and a first factor is enabled (Auth0:
    a policy with no factor enabled asks for nothing)."""
    return "all-applications" in policies and offers_mfa(factors)


def adaptive_mfa(factors: list[str], policies: list[str]) -> bool:
    """Auth0's `confidence-score` policy (Adaptive MFA): a second factor only when a login's
    confidence is low; `all-applications` wins when both are set."""
    return "confidence-score" in policies and not requires_mfa(factors, policies) and offers_mfa(factors)


def offers_mfa(factors: list[str]) -> bool:
    """A factor a user can enroll first, or the email (nothing to enroll), is enabled (what
    `acr_values` needs to ask for MFA)."""
    return any(name in (*FIRST_FACTORS, "email") for name in factors)
