"""The MFA API's side in the user's object (Auth0 `/mfa/*` and the `mfa-otp` / `mfa-recovery-code`
grants), reached by an mfa_token, and the Management API's view of the user's authenticators."""

from __future__ import annotations

from typing import Any

from durable_objects.user import one_time, second_factors
from durable_objects.user.authentication import Authentication
from durable_objects.user.profile import Profile
from edgeauth.mfa import totp
from edgeauth.users.answers import Enrolled, Login, Refusal, Wire, refusal

MFA = "mfa"


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

    def authenticators(self, tenant_id: str, secret: str) -> Wire:
        """The user's authenticators, and the client the mfa_token was issued to."""
        payload = self._pending(tenant_id, secret, None)
        if payload is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        return {"client_id": payload["client_id"], "authenticators": second_factors.listed(self.storage)}

    async def associate(
        self, tenant_id: str, secret: str, issuer: str, with_recovery_code: bool
    ) -> Enrolled | Wire:
        """An OTP authenticator to confirm with the `mfa-otp` grant; only while the user has none
        (Auth0: a second one needs the first one passed). The answer names the token's client."""
        payload = self._pending(tenant_id, secret, None)
        if payload is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        enrolled_now = await second_factors.associate_otp(
            self.storage, self.profile.env.crypto, with_recovery_code, self.profile.now()
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
        self, tenant_id: str, secret: str, client_id: str, factor: str, code: str, ip: str
    ) -> Login | Wire:
        """The `mfa-otp` or `mfa-recovery-code` grant: the factor's code (a factor the tenant
        enables), then the login's tokens (`amr: ["mfa"]`), the mfa_token spent, the login
        counted; a used recovery code is replaced by a new one."""
        payload = self._pending(tenant_id, secret, client_id)
        if payload is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        tenant = await self.authentication.tenant()
        if tenant is None or factor not in tenant.mfa_factors:
            return refusal(Refusal.FACTOR_DISABLED)
        now = self.profile.now()
        if self.profile.user()["blocked"]:
            return refusal(Refusal.BLOCKED)
        if factor == second_factors.OTP:
            checked = await second_factors.check_otp(self.storage, self.profile.env.crypto, code, now)
            wrong = Refusal.WRONG_OTP
        else:
            checked = second_factors.check_recovery_code(self.storage, code, now)
            wrong = Refusal.WRONG_RECOVERY_CODE
        if not checked.passed:
            return refusal(Refusal.MFA_LOCKED if checked.locked else wrong)
        if one_time.spend_token(self.storage, MFA, secret, tenant_id, now) is None:
            return refusal(Refusal.INVALID_MFA_TOKEN)
        login = await self.authentication.complete(payload["finish"], ip, now, ["mfa"])
        if factor == second_factors.RECOVERY_CODE:
            login["recovery_code"] = second_factors.replace_recovery_code(self.storage, now)
        return login

    # --- the Management API ---------------------------------------------------------------------

    def authentication_methods(self) -> list[Wire]:
        return second_factors.authentication_methods(self.storage)

    def delete_authenticators(self, authenticator_id: str | None) -> int:
        return second_factors.delete(self.storage, authenticator_id)

    def regenerate_recovery_code(self) -> str:
        return second_factors.replace_recovery_code(self.storage, self.profile.now())
