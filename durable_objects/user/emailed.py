"""Logins and tickets that travel by email or across origins: Auth0's passwordless `email`
connection (codes and magic links), password resets, email verification, and auth0.js's login
tickets. Each secret is single-use and bound to its tenant (`one_time.py`)."""

from __future__ import annotations

import hmac
from typing import Any

from durable_objects.user import identities, names, one_time, security_keys
from durable_objects.user.authentication import SESSION, Authentication
from durable_objects.user.profile import Profile
from durable_objects.user.routing import answers_to
from edgeauth.connections import EMAIL_CONNECTION
from edgeauth.users import completion
from edgeauth.users.answers import Login, MfaPending, Refusal, Sent, UserJson, Wire, refusal
from edgeauth.users.opaque import digest

# The kind of the code that proves an email before a passkey signup (not a passwordless login's).
SIGNUP = "signup_code"


class EmailedSecrets:
    def __init__(self, profile: Profile, authentication: Authentication) -> None:
        self.profile = profile
        self.authentication = authentication
        self.storage = profile.storage

    def _issue(self, kind: str, payload: dict[str, Any]) -> str:
        return one_time.issue_token(self.storage, self.profile.state.id, kind, payload, self.profile.now())

    def start_passwordless(self, tenant_id: str, send: str, request: dict[str, Any] | None) -> Sent:
        """Auth0 `/passwordless/start`: a new email code (`send=code`) or a magic link carrying the
        authorization request; the user need not exist yet (the first login signs up)."""
        row = self.profile.row()
        email = row["email"] if row is not None else names.read_email(self.storage)
        payload = {"tenant_id": tenant_id, "email": email, "request": request}
        if send == "link":
            return {"link": self._issue("magic_link", payload)}
        return {"code": one_time.issue_code(self.storage, self.profile.state.id, payload, self.profile.now())}

    def start_signup_code(self, tenant_id: str) -> Sent:
        """A six-digit code to this email before a passkey signup (nobody has the email yet), in a
        slot of its own: it neither opens nor burns a passwordless or MFA code."""
        if self.profile.row() is not None:
            return {}
        payload = {"tenant_id": tenant_id, "email": names.read_email(self.storage)}
        code = one_time.issue_code(self.storage, self.profile.state.id, payload, self.profile.now(), SIGNUP)
        return {"code": code}

    def prove_signup_code(self, tenant_id: str, code: str) -> bool:
        """The signup code, once (wrong tries burn it, as an email code's); never for an email that
        has a user."""
        if self.profile.row() is not None:
            return False
        payload = one_time.spend_code(self.storage, self.profile.state.id, code, self.profile.now(), SIGNUP)
        return payload is not None and payload.get("tenant_id") == tenant_id

    async def login_with_email_code(
        self, tenant_id: str, code: str, finish: dict[str, Any] | None, ip: str
    ) -> Login | MfaPending | Wire:
        """Auth0 passwordless OTP: the last code sent, once, within its lifetime; wrong tries burn
        the code (`one_time.spend_code`), never the owner's next one."""
        payload = one_time.spend_code(self.storage, self.profile.state.id, code, self.profile.now())
        if payload is None or payload.get("tenant_id") != tenant_id:
            return refusal(Refusal.WRONG_CODE)
        return await self._passwordless_login(tenant_id, payload["email"], finish, ip)

    async def login_with_magic_link(self, tenant_id: str, secret: str, ip: str) -> Login | MfaPending | Wire:
        """Auth0 magic link: once; finishes the request it carries, if the address it was sent to
        still reaches this object."""
        payload = one_time.spend_token(self.storage, "magic_link", secret, tenant_id, self.profile.now())
        if payload is None or not answers_to(self.profile, names.EMAIL + payload["email"]):
            return refusal(Refusal.INVALID_LINK)
        finish = completion.browser_session(payload["request"])
        grant = await self._passwordless_login(tenant_id, payload["email"], finish, ip)
        return grant if "refused" in grant else {**grant, "request": payload["request"]}

    async def _passwordless_login(
        self, tenant_id: str, email: str, finish: dict[str, Any] | None, ip: str
    ) -> Login | MfaPending | Wire:
        """The email is proven: sign the user up on first use (Auth0 `email` connection), else
        attach the `email` identity and mark that email verified."""
        row = self.profile.row()
        if row is None:
            profile = {"email_verified": True}
            self.profile.insert_own(tenant_id, EMAIL_CONNECTION, EMAIL_CONNECTION, email, profile)
            await self.profile.committed("user.created")
        elif row["blocked"]:
            return refusal(Refusal.BLOCKED)
        elif row["email"] != email:
            return refusal(Refusal.WRONG_CODE)
        else:
            self._claim_email(row)
        # The email was the first factor: it cannot also be the second (`second_factors.second_to`).
        return await self.authentication.finish({**(finish or SESSION), "first": EMAIL_CONNECTION}, ip)

    def _claim_email(self, row: dict[str, Any]) -> None:
        """Proof of the email joins the `email` identity to its user. If that user's email was never
        verified, whoever set its password or holds its sessions did not prove the email: the
        password is dropped and every session and refresh token revoked (docs/decisions.md)."""
        held = identities.identities_json(self.storage)
        if not any(i["provider"] == EMAIL_CONNECTION for i in held):
            own_id = row["user_id"].partition("|")[2]
            identity = identities.Identity(EMAIL_CONNECTION, own_id, EMAIL_CONNECTION, is_social=False)
            identities.add_identity(self.storage, identity)
        if not row["email_verified"]:
            self.storage.exec("DELETE FROM credentials WHERE kind = 'password'")
            self.profile.sign_out_everywhere()
            self.storage.exec("UPDATE user SET email_verified = 1")

    async def redeem_login_ticket(
        self, tenant_id: str, secret: str, client_id: str, request: dict[str, Any] | None, verifier: str
    ) -> Login | MfaPending | Wire:
        """`/authorize?login_ticket=` (auth0.js embedded login): the ticket once, by its client, in
        the browser that asked for it (its `co_verifier`); a wrong or missing verifier leaves the
        ticket for the verification fallback."""
        now = self.profile.now()
        valid = one_time.peek_token(self.storage, "login_ticket", secret, tenant_id, now)
        if valid is None or valid["client_id"] != client_id:
            return refusal(Refusal.INVALID_TICKET)
        if not hmac.compare_digest(valid.get("verifier_digest", ""), digest(verifier)):
            return refusal(Refusal.UNVERIFIED_BROWSER)
        payload = one_time.spend_token(self.storage, "login_ticket", secret, tenant_id, now)
        row = self.profile.row()
        if payload is None or row is None:
            return refusal(Refusal.INVALID_TICKET)
        if row["blocked"]:
            return refusal(Refusal.BLOCKED)
        return await self.authentication.finish(completion.embedded_session(request), None)

    def start_password_reset(self, tenant_id: str) -> str | None:
        """A reset ticket when this email's database user exists (with a password, or a passkey: a
        password is how its owner gets back in without the device), bound to the email it is sent to."""
        row = self.profile.row()
        has_passkey = bool(security_keys.rows(self.storage, (security_keys.PASSKEY,)))
        if row is None or not (self.profile.has_password() or has_passkey):
            return None
        return self._issue("password_reset", {"tenant_id": tenant_id, "email": row["email"]})

    async def reset_password(self, tenant_id: str, secret: str, password_hash: str) -> UserJson | None:
        """Spend the reset ticket: the new password, the email verified (the link proved it), every
        session and refresh token revoked. A ticket sent to an email the user no longer has does
        nothing."""
        payload = one_time.spend_token(self.storage, "password_reset", secret, tenant_id, self.profile.now())
        row = self.profile.row()
        if payload is None or row is None or row["email"] != payload.get("email"):
            return None
        self.profile.set_password(password_hash)
        self.profile.sign_out_everywhere()
        self.storage.exec("UPDATE user SET email_verified = 1")
        return await self.profile.bumped()

    def start_email_verification(self, tenant_id: str) -> str | None:
        """A verification ticket for the user's current, unverified email."""
        row = self.profile.user()
        if row["email_verified"]:
            return None
        return self._issue("email_verification", {"tenant_id": tenant_id, "email": row["email"]})

    async def verify_email(self, tenant_id: str, secret: str) -> UserJson | None:
        """Spend the ticket; `email_verified` flips if the user still has the email it was sent to."""
        payload = one_time.spend_token(
            self.storage, "email_verification", secret, tenant_id, self.profile.now()
        )
        row = self.profile.row()
        if payload is None or row is None or row["email"] != payload["email"]:
            return None
        self.storage.exec("UPDATE user SET email_verified = 1")
        return await self.profile.bumped()
