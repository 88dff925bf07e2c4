"""The MFA API's side in the user's object (Auth0 `/mfa/*` and the `mfa-otp` / `mfa-recovery-code`
grants), reached by an mfa_token, and the Management API's view of the user's authenticators."""

from __future__ import annotations

from typing import Any

from durable_objects.user import known_devices, one_time, remembered, second_factors, security_keys, sessions
from durable_objects.user.authentication import Authentication
from durable_objects.user.profile import Profile
from edgeauth.mfa import totp
from edgeauth.users.answers import Enrolled, Login, Refusal, Wire, refusal, refused
from edgeauth.webauthn.client_data import Expected
from edgeauth.webauthn.errors import WebAuthnError

MFA = "mfa"
TICKET = second_factors.ENROLLMENT_TICKET
# How the login an mfa_token carries finishes (edgeauth.users.completion): the MFA grants and API
# serve token grants, the hosted page browser sessions; a token is refused by the other channel.
TOKENS, SESSION = "tokens", "session"


class MultiFactor:
    def __init__(self, profile: Profile, authentication: Authentication) -> None:
        self.profile = profile
        self.authentication = authentication
        self.storage = profile.storage

    def _pending(self, tenant_id: str, secret: str, client_id: str | None) -> dict[str, Any] | None:
        """The live mfa_token's payload, for this tenant (and client, when one is named)."""
        payload = one_time.peek_token(self.storage, MFA, secret, tenant_id, self.profile.now())
        if payload is None or self.profile.row() is None:
            return None
        if client_id is not None and payload["client_id"] != client_id:
            return None
        return payload

    async def authenticators(self, tenant_id: str, secret: str) -> Wire:
        """The user's authenticators, and the client the mfa_token was issued to."""
        payload = self._pending(tenant_id, secret, None)
        if payload is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        listed = second_factors.listed(self.storage, await self._factors())
        return {"client_id": payload["client_id"], "authenticators": listed}

    async def email_challenge(self, tenant_id: str, secret: str, client_id: str, channel: str) -> Wire:
        """Auth0's `oob` challenge on the email channel: a code for the Worker to send to the
        user's verified email (`code`, `email`), and the `oob_code` naming it for the app."""
        ready = await self._ready(tenant_id, secret, client_id, second_factors.EMAIL, channel)
        if "finish" not in ready:
            return ready
        sent = second_factors.email_challenge(self.storage, self.profile.state.id, secret, self.profile.now())
        if sent is None:
            return refusal(Refusal.WRONG_CODE)
        return {**sent, "user_id": self.profile.user()["user_id"]} if sent else refusal(Refusal.MFA_LOCKED)

    async def associate(
        self, tenant_id: str, secret: str, issuer: str, with_recovery_code: bool
    ) -> Enrolled | Wire:
        """An OTP authenticator to confirm with the `mfa-otp` grant; only while the user has none
        (Auth0: a second one needs the first one passed). The answer names the token's client."""
        payload = self._pending(tenant_id, secret, None)
        if payload is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        factors = await self._factors()
        if second_factors.OTP not in factors:
            return refusal(Refusal.FACTOR_DISABLED)
        enrolled_now = await second_factors.associate_otp(
            self.storage, self.profile.env.crypto, factors, with_recovery_code, self.profile.now()
        )
        if enrolled_now is None:
            return refusal(Refusal.ALREADY_ENROLLED)
        shared, code = enrolled_now
        account = self.profile.user()["email"] or self.profile.user()["user_id"]
        enrolled: Enrolled = {
            "client_id": payload["client_id"],
            "authenticator_type": second_factors.OTP,
            "secret": shared,
            "barcode_uri": totp.provisioning_uri(shared, account, issuer),
        }
        if code is not None:
            enrolled["recovery_codes"] = [code]
        return enrolled

    def challenge(self, tenant_id: str, secret: str, client_id: str) -> Wire:
        """Auth0 `POST /mfa/challenge` for `otp`: nothing to send, the app asks for the code."""
        if self._pending(tenant_id, secret, client_id) is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        if not self.storage.exec("SELECT 1 FROM authenticators WHERE type = ?", second_factors.OTP):
            return refusal(Refusal.WRONG_OTP)
        return {"challenge_type": second_factors.OTP}

    async def verify(
        self,
        tenant_id: str,
        secret: str,
        client_id: str,
        factor: str,
        code: str,
        ip: str,
        oob_code: str = "",
        channel: str = TOKENS,
    ) -> Login | Wire:
        """The `mfa-otp`, `mfa-oob` (email) or `mfa-recovery-code` grant: the factor's code (a
        factor the tenant enables), then the login's tokens (`amr: ["mfa"]`), the mfa_token spent,
        the login counted; a used recovery code is replaced by a new one."""
        payload = await self._ready(tenant_id, secret, client_id, factor, channel)
        if "finish" not in payload:
            return payload
        now = self.profile.now()
        if factor == second_factors.OTP:
            crypto, factors = self.profile.env.crypto, await self._factors()
            checked = await second_factors.check_otp(self.storage, crypto, factors, code, now)
            wrong = Refusal.WRONG_OTP
        elif factor == second_factors.EMAIL:
            object_id = self.profile.state.id
            checked = second_factors.check_email_code(self.storage, object_id, secret, oob_code, code, now)
            wrong = Refusal.WRONG_CODE
        else:
            checked = second_factors.check_recovery_code(self.storage, code, now)
            wrong = Refusal.WRONG_RECOVERY_CODE
        if not checked.passed:
            return self._wrong(Refusal.MFA_LOCKED if checked.locked else wrong)
        recovery = factor == second_factors.RECOVERY_CODE
        return await self._passed(tenant_id, secret, payload, ip, now, recovery, checked.enrolled)

    # --- security keys and the device's authenticator (the hosted page) ----------------------

    async def webauthn_options(self, tenant_id: str, secret: str) -> Wire:
        """What the page's WebAuthn call needs: the user entity, the credentials to exclude at
        enrolment, those to allow at a challenge (by kind), the factors the user has, and whether
        a recovery code is among them."""
        payload = self._pending(tenant_id, secret, None)
        if payload is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        kinds = security_keys.SECOND_FACTORS
        factors = second_factors.second_to(self.storage, payload["finish"], await self._factors())
        return {
            "user": security_keys.user_entity(self.profile.state.id, self.profile.user()),
            "exclude": security_keys.descriptors(self.storage, (*kinds, security_keys.PASSKEY)),
            "allow": {kind: security_keys.descriptors(self.storage, (kind,)) for kind in kinds},
            "enrolled": second_factors.enrolled(self.storage, factors),
            "recovery_code": second_factors.RECOVERY_CODE in factors
            and second_factors.has_recovery_code(self.storage),
        }

    async def webauthn(
        self,
        tenant_id: str,
        secret: str,
        client_id: str,
        kind: str,
        credential: dict[str, Any],
        expected: dict[str, Any],
        enroll: bool,
        ip: str,
    ) -> Login | Wire:
        """A security key's or the device's answer: at enrolment (only while the user has no
        second factor) a registration, checked and kept, with the first recovery code when that
        factor is on; else an assertion by one of the user's credentials of `kind`. Then the login
        completes with `amr: ["mfa"]`. The conditions are asked again after the signature check,
        with the writes, and the mfa_token is spent right after them (nothing awaited between)."""
        ready = await self._ready(tenant_id, secret, client_id, kind, SESSION)
        if "finish" not in ready:
            return ready
        factors = await self._factors()
        if enroll and second_factors.is_enrolled(self.storage, factors):
            return refusal(Refusal.ALREADY_ENROLLED)
        now = self.profile.now()
        crypto, checks = self.profile.env.crypto, Expected(**expected)

        def still_allowed() -> bool:
            live = self._pending(tenant_id, secret, client_id) is not None
            return live and not second_factors.is_enrolled(self.storage, factors)

        try:
            if enroll:
                await security_keys.register(
                    self.storage, crypto, kind, credential, checks, now, still_allowed
                )
                second_factors.drop_unconfirmed(self.storage)
                second_factors.enrolled_now(self.storage)
            else:
                await security_keys.authenticate(self.storage, crypto, (kind,), credential, checks, now)
        except WebAuthnError:
            return self._wrong(Refusal.WRONG_CREDENTIAL)
        with_recovery_code = enroll and second_factors.RECOVERY_CODE in factors
        return await self._passed(tenant_id, secret, ready, ip, now, with_recovery_code, enroll)

    def _wrong(self, code: Refusal) -> Wire:
        """A wrong answer to one of this user's factors: the refusal names the user, for the
        Worker's Guardian log event."""
        return refused(code, user_id=self.profile.user()["user_id"]).to_wire()

    async def _factors(self) -> list[str]:
        """The second factors the tenant enables (none when its snapshot cannot be read)."""
        tenant = await self.authentication.tenant()
        return tenant.mfa_factors if tenant is not None else []

    async def _ready(self, tenant_id: str, secret: str, client_id: str, factor: str, channel: str) -> Wire:
        """The mfa_token's payload, when the token is live and of a login that finishes the way
        its caller finishes logins (`channel`: `tokens` for the MFA grants and API, `session` for
        the hosted page), the factor enabled, the user not blocked."""
        payload = self._pending(tenant_id, secret, client_id)
        if payload is None or payload["finish"]["kind"] != channel:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        if factor not in second_factors.second_to(self.storage, payload["finish"], await self._factors()):
            return refusal(Refusal.FACTOR_DISABLED)
        if self.profile.user()["blocked"]:
            return refusal(Refusal.BLOCKED)
        return payload

    async def _passed(
        self,
        tenant_id: str,
        secret: str,
        payload: Wire,
        ip: str,
        now: int,
        with_recovery_code: bool,
        enrolled: bool = False,
    ) -> Login | Wire:
        """The second factor passed: the mfa_token spent, the login completed with `amr: ["mfa"]`
        (and `enrolled` when the answer confirmed the user's first factor)."""
        if one_time.spend_token(self.storage, MFA, secret, tenant_id, now) is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        login = await self.authentication.complete(payload["finish"], ip, now, ["mfa"])
        if with_recovery_code:
            login["recovery_code"] = second_factors.replace_recovery_code(self.storage, now)
        if enrolled:
            login["enrolled"] = True
        return login

    def remember_browser(self, session_secret: str, days: int) -> str | None:
        """Auth0's "Remember this browser": a token for the browser whose new session (its
        cookie's secret) passed MFA, good for `days`; None for any other session."""
        sid = sessions.sid_of(self.storage, session_secret)
        if sid is None or not sessions.passed_mfa(self.storage, sid) or not 0 < days <= remembered.MAX_DAYS:
            return None
        return remembered.remember(self.storage, self.profile.state.id, self.profile.now())

    # --- enrollment tickets (Auth0 `POST /guardian/enrollments/ticket`) ------------------------

    def issue_enrollment_ticket(self, tenant_id: str) -> str:
        """A link for the user to enroll an authenticator app without logging in (five days)."""
        payload = {"tenant_id": tenant_id}
        return one_time.issue_token(self.storage, self.profile.state.id, TICKET, payload, self.profile.now())

    async def ticket_enrolment(self, tenant_id: str, secret: str, issuer: str) -> Enrolled | Wire:
        """The ticket's page: a new authenticator app (its key and QR code's URI, and a recovery
        code when that factor is on), while the ticket is live and the user has no factor."""
        if one_time.peek_token(self.storage, TICKET, secret, tenant_id, self.profile.now()) is None:
            return refusal(Refusal.INVALID_TICKET)
        factors = await self._factors()
        if second_factors.OTP not in factors:
            return refusal(Refusal.FACTOR_DISABLED)
        with_recovery_code = second_factors.RECOVERY_CODE in factors
        now = self.profile.now()
        enrolled_now = await second_factors.associate_otp(
            self.storage, self.profile.env.crypto, factors, with_recovery_code, now
        )
        if enrolled_now is None:
            return refusal(Refusal.ALREADY_ENROLLED)
        shared, code = enrolled_now
        account = self.profile.user()["email"] or self.profile.user()["user_id"]
        return {
            "client_id": "",
            "authenticator_type": second_factors.OTP,
            "secret": shared,
            "barcode_uri": totp.provisioning_uri(shared, account, issuer),
            **({"recovery_codes": [code]} if code else {}),
        }

    async def ticket_confirm(self, tenant_id: str, secret: str, code: str) -> Wire:
        """The app's first code confirms the enrolment (an app being enrolled, of a user with no
        factor, OTP on, not blocked); the ticket is then spent."""
        now = self.profile.now()
        if one_time.peek_token(self.storage, TICKET, secret, tenant_id, now) is None:
            return refusal(Refusal.INVALID_TICKET)
        factors = await self._factors()
        pending = self.storage.exec(
            "SELECT 1 FROM authenticators WHERE type = ? AND active = 0", second_factors.OTP
        )
        if (
            not pending
            or second_factors.is_enrolled(self.storage, factors)
            or second_factors.OTP not in factors
        ):
            return refusal(Refusal.INVALID_TICKET)
        if self.profile.user()["blocked"]:
            return refusal(Refusal.BLOCKED)
        checked = await second_factors.check_otp(self.storage, self.profile.env.crypto, factors, code, now)
        if not checked.passed:
            return self._wrong(Refusal.MFA_LOCKED if checked.locked else Refusal.WRONG_OTP)
        one_time.spend_token(self.storage, TICKET, secret, tenant_id, now)
        user = self.profile.user()
        return {"user": {"user_id": user["user_id"], "email": user["email"]}, "enrolled": checked.enrolled}

    # --- the MFA API's own tokens (Auth0's audience `https://{domain}/mfa/`) ---------------------

    async def listed_authenticators(self) -> list[Wire]:
        """Auth0 `GET /mfa/authenticators` with an MFA API token: as with an mfa_token."""
        return second_factors.listed(self.storage, await self._factors())

    async def remove_authenticator(self, authenticator_id: str) -> bool:
        """Auth0 `DELETE /mfa/authenticators/{id}`: one of those the listing shows, but not the
        email (the user's verified address, nothing enrolled); passkeys are not listed there."""
        removable = [
            row["id"]
            for row in await self.listed_authenticators()
            if row.get("oob_channel") != second_factors.EMAIL
        ]
        return authenticator_id in removable and self.delete_authenticators(authenticator_id) > 0

    # --- the Management API ---------------------------------------------------------------------

    def authentication_methods(self) -> list[Wire]:
        return second_factors.authentication_methods(self.storage)

    def delete_authenticators(self, authenticator_id: str | None) -> int:
        remembered.forget_all(self.storage)  # a browser remembered for a factor that is gone
        known_devices.forget_all(self.storage)
        one_time.revoke_kind(self.storage, TICKET)
        return second_factors.delete(self.storage, authenticator_id)

    async def import_otp(self, secret: str) -> Wire:
        """An imported app replaces the user's: browsers remembered with the old one are forgotten."""
        imported = await second_factors.import_otp(
            self.storage, self.profile.env.crypto, secret, self.profile.now()
        )
        remembered.forget_all(self.storage)
        return imported

    def regenerate_recovery_code(self) -> str:
        return second_factors.replace_recovery_code(self.storage, self.profile.now())
