"""Passkeys as a first factor (Auth0's passkeys for database connections): a signup that creates
the user with a passkey and no password (its email proven first by a code the Worker checked with
`EmailedSecrets.prove_signup_code`), and a login by a passkey alone. A passkey asks for user
verification (the device's PIN or biometric), so its login counts as multi-factor: `amr: ["mfa"]`,
and the tenant's MFA policy asks for nothing more."""

from __future__ import annotations

from typing import Any

from durable_objects.user import security_keys
from durable_objects.user.authentication import Authentication
from durable_objects.user.profile import Profile
from edgeauth.users.answers import Login, Refusal, Wire, refusal
from edgeauth.webauthn.client_data import Expected
from edgeauth.webauthn.errors import WebAuthnError

MULTI_FACTOR = ["mfa"]


class Passkeys:
    def __init__(self, profile: Profile, authentication: Authentication) -> None:
        self.profile = profile
        self.authentication = authentication
        self.storage = profile.storage

    async def signup(
        self,
        tenant_id: str,
        email: str | None,
        connection: str,
        handle: str,
        credential: dict[str, Any],
        expected: dict[str, Any],
        finish: dict[str, Any],
        ip: str,
    ) -> Login | Wire:
        """A new user of this (proven) email whose way in is the passkey just made; the login
        completes at once. Refused when the email has a user already, or when the passkey's user
        handle (`handle`, the object id the page gave it) is not this object (the email's name
        now leads elsewhere): such a passkey could never find its user."""
        if self.profile.row() is not None:
            return refusal(Refusal.USER_EXISTS)
        if handle != self.profile.state.id:
            return refusal(Refusal.WRONG_CREDENTIAL)
        now = self.profile.now()
        crypto, checks = self.profile.env.crypto, Expected(**expected)
        try:
            await security_keys.register(
                self.storage,
                crypto,
                security_keys.PASSKEY,
                credential,
                checks,
                now,
                lambda: self.profile.row() is None,
            )
        except WebAuthnError:
            return refusal(Refusal.WRONG_CREDENTIAL)
        # The user is created with nothing awaited since the condition and the credential's writes.
        created = await self.profile.create(tenant_id, email, connection, None, {"email_verified": True})
        if not created["created"]:
            return refusal(Refusal.USER_EXISTS)
        return await self.authentication.complete(finish, ip, now, MULTI_FACTOR)

    async def login(
        self, credential: dict[str, Any], expected: dict[str, Any], finish: dict[str, Any], ip: str
    ) -> Login | Wire:
        """A login by one of this user's passkeys."""
        row = self.profile.row()
        if row is None:
            return refusal(Refusal.WRONG_CREDENTIAL)
        if row["blocked"]:
            return refusal(Refusal.BLOCKED)
        now = self.profile.now()
        try:
            await security_keys.authenticate(
                self.storage,
                self.profile.env.crypto,
                (security_keys.PASSKEY,),
                credential,
                Expected(**expected),
                now,
            )
        except WebAuthnError:
            return refusal(Refusal.WRONG_CREDENTIAL)
        return await self.authentication.complete(finish, ip, now, MULTI_FACTOR)
