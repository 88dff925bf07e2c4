"""UserObject: one Durable Object per user holds the profile, identities and credentials.

The same class runs on Cloudflare (wrapped as a `workers.DurableObject` by
`edgeauth.runtime.cloudflare.worker`) and in the local runtime. This class is the RPC surface
only: each method is admitted by a routing decorator (`durable_objects.user.routing`: the caller's
*reach* first, this object's own tenant only, a name routed to the object that holds it now) and
delegates to one collaborator:

- `user.profile.Profile`: the user row, its versions, the outbox to USER_EVENTS;
- `user.authentication.Authentication`: the password check and what a login ends in;
- `user.grants.Grants`: SSO sessions, codes, refresh tokens, logout;
- `user.emailed.EmailedSecrets`: passwordless codes and links, resets, verification, tickets;
- `user.federation.Federation`: federated logins, the join by email, linking and unlinking;
- `user.multifactor.MultiFactor`: second factors, through an mfa_token or the Management API.

Refusals travel as `Refused(...).to_wire()` (`edgeauth.users.answers`).
"""

from __future__ import annotations

from typing import ClassVar

from durable_objects.user import names, profile, sessions
from durable_objects.user.authentication import Authentication
from durable_objects.user.emailed import EmailedSecrets
from durable_objects.user.federation import Federation
from durable_objects.user.grants import Grants
from durable_objects.user.multifactor import MultiFactor
from durable_objects.user.passkeys import Passkeys
from durable_objects.user.routing import by_name, by_token, by_user_id, naming, rpc_surface, still_held
from edgeauth.platform import Platform
from edgeauth.ports import ObjectState
from edgeauth.users import answers, passwords

SCHEMA = (*profile.SCHEMA, names.SCHEMA)
NO_SNAPSHOT: answers.Snapshot = {"version": 0, "user": None}


@rpc_surface
class UserObject:
    """RPC surface of a user's Durable Object; each call runs alone (the input gate)."""

    RPC_METHODS: ClassVar[tuple[str, ...]]  # set by `rpc_surface`: the routed methods below

    def __init__(self, state: ObjectState, env: Platform) -> None:
        self.state = state
        self.env = env
        for statement in SCHEMA:
            state.storage.exec(statement)
        self.profile = profile.Profile(state, env)
        self.authentication = Authentication(self.profile)
        self.grants = Grants(self.profile, self.authentication)
        self.emailed = EmailedSecrets(self.profile, self.authentication)
        self.federation = Federation(self.profile, self.authentication)
        self.multifactor = MultiFactor(self.profile, self.authentication)
        self.passkeys = Passkeys(self.profile, self.authentication)

    # --- the profile (Management API) ----------------------------------------------------------

    @by_name({"created": False, "user": None, "object_id": "", "marker": ""}, creates=True)
    async def create_user(
        self,
        tenant_id: str,
        connection: str,
        password_hash: str | None,
        profile: answers.Wire | None = None,
        user_id: str | None = None,
        marker: str = "",
    ) -> answers.Created:
        """A database user with this email (signup, Auth0 `POST /users` values in `profile`); an
        imported user keeps its `user_id`, and the import's `marker` tells a retry it is its own."""
        email = names.read_email(self.state.storage)
        return await self.profile.create(
            tenant_id, email, connection, password_hash, profile, user_id, marker
        )

    @by_name(answers.refusal(answers.Refusal.USER_EXISTS), creates=True)
    async def signup_with_passkey(
        self,
        tenant_id: str,
        connection: str,
        handle: str,
        credential: answers.Wire,
        expected: answers.Wire,
        finish: answers.Wire,
        ip: str,
    ) -> answers.Login | answers.Wire:
        """A database user with this email and a passkey, no password (hosted signup)."""
        email = names.read_email(self.state.storage)
        return await self.passkeys.signup(
            tenant_id, email, connection, handle, credential, expected, finish, ip
        )

    @by_name({}, creates=True)
    async def start_signup_code(self, tenant_id: str) -> answers.Sent:
        """A code to the email, proving it before a passkey signup."""
        return self.emailed.start_signup_code(tenant_id)

    @by_name(False)
    async def prove_signup_code(self, tenant_id: str, code: str) -> bool:
        return self.emailed.prove_signup_code(tenant_id, code)

    @by_token(answers.refusal(answers.Refusal.WRONG_CREDENTIAL))
    async def login_with_passkey(
        self, tenant_id: str, credential: answers.Wire, expected: answers.Wire, finish: answers.Wire, ip: str
    ) -> answers.Login | answers.Wire:
        """A login by a passkey whose user handle named this object."""
        return await self.passkeys.login(credential, expected, finish, ip)

    @by_name(NO_SNAPSHOT)
    async def email_snapshot(self, tenant_id: str) -> answers.Snapshot:
        """The user who has this email now (`users-by-email`, signup checks)."""
        return self.profile.snapshot()

    @by_user_id(NO_SNAPSHOT)
    async def snapshot(self, tenant_id: str) -> answers.Snapshot:
        """The user and its version (Management API reads, reconcile)."""
        return self.profile.snapshot()

    @by_user_id(None)
    async def update_user(self, tenant_id: str, changes: answers.Wire) -> answers.UserJson:
        return await self.profile.update(changes)

    @by_user_id(False)
    async def delete_user(self, tenant_id: str) -> bool:
        return await self.profile.delete()

    @by_user_id(None)
    async def exported_password(self, tenant_id: str) -> answers.Wire | None:
        """The password hash as Auth0's import takes it (`custom_password_hash`); None without one."""
        stored = self.profile.password_hash()
        return passwords.exported(stored) if stored else None

    # --- the name: email changes and linked identities -----------------------------------------

    @naming(False)
    async def claim_name(self, tenant_id: str, target_id: str) -> bool:
        """An email change: this email reaches the user of object `target_id` from now on; False
        when another user has it. (`target_id` may be this object: its user takes its name back.)"""
        row = self.profile.row()
        if row is not None and row["email"] == names.read_email(self.state.storage):
            return target_id == self.state.id
        name = names.read(self.state.storage)
        assert name is not None  # recorded by `naming`
        if name.holder not in (None, target_id) and await still_held(self.profile, name, tenant_id):
            return False
        holder = None if target_id == self.state.id else target_id
        names.set_holder(self.state.storage, holder, self.profile.now())
        return True

    @naming(None)
    async def release_name(self, tenant_id: str, target_id: str) -> None:
        """The user of `target_id` no longer has this email."""
        names.release_holder(self.state.storage, target_id)

    @naming(None)
    async def name_holder(self, tenant_id: str) -> str | None:
        """An imported id's own object: the object whose user has that id now, if any."""
        name = names.read(self.state.storage)
        assert name is not None  # recorded by `naming`
        return name.holder if await still_held(self.profile, name, tenant_id) else None

    @naming(None)
    async def point_to(self, tenant_id: str, target_id: str) -> None:
        """An identity's own object now routes its logins to the user `target_id` holds."""
        names.set_holder(self.state.storage, target_id, 0)

    # --- logins and what they grant ------------------------------------------------------------

    @by_name(answers.refusal(answers.Refusal.WRONG_CREDENTIALS))
    async def login_with_password(
        self, tenant_id: str, password: str, finish: answers.Wire | None, ip: str = ""
    ) -> answers.Login | answers.MfaPending | answers.Wire:
        return await self.authentication.login_with_password(password, finish, ip)

    @by_token(answers.refusal(answers.Refusal.LOGIN_REQUIRED))
    async def authorize_with_session(
        self,
        tenant_id: str,
        secret: str,
        request: answers.Wire | None,
        max_age: int | None,
        lifetimes: sessions.Lifetimes,
    ) -> answers.Login | answers.Wire:
        return await self.grants.authorize_with_session(secret, request, max_age, lifetimes)

    @by_token(answers.refusal(answers.Refusal.INVALID_CODE))
    async def redeem_code(
        self,
        tenant_id: str,
        secret: str,
        client_id: str,
        redirect_uri: str,
        code_verifier: str,
        refresh_allowed: bool,
    ) -> answers.Redeemed | answers.Wire:
        return self.grants.redeem_code(secret, client_id, redirect_uri, code_verifier, refresh_allowed)

    @by_user_id(answers.refusal(answers.Refusal.INVALID_REFRESH_TOKEN))
    async def exchange_upstream_refresh_token(
        self, tenant_id: str, digest: str, finish: answers.Wire, ip: str = ""
    ) -> answers.Login | answers.MfaPending | answers.Wire:
        """Lazy migration: an upstream refresh token the Worker exchanged upstream for this user
        becomes a login here (new tokens of ours), once per token (its SHA-256 `digest`)."""
        return await self.authentication.exchange_upstream_refresh_token(digest, finish, ip)

    @by_token(answers.refusal(answers.Refusal.INVALID_REFRESH_TOKEN))
    async def refresh(
        self, tenant_id: str, secret: str, client_id: str, scope: str
    ) -> answers.Redeemed | answers.MfaPending | answers.Wire:
        return await self.grants.refresh(secret, client_id, scope)

    @by_token(False)
    async def revoke_refresh_token(self, tenant_id: str, secret: str, client_id: str) -> bool:
        return self.grants.revoke_refresh_token(secret, client_id)

    @by_token(None)
    async def end_session(self, tenant_id: str, secret: str) -> str | None:
        return self.grants.end_session(secret)

    # --- passwordless, tickets, emailed links --------------------------------------------------

    @by_name({}, creates=True)
    async def start_passwordless(
        self, tenant_id: str, send: str, request: answers.Wire | None
    ) -> answers.Sent:
        return self.emailed.start_passwordless(tenant_id, send, request)

    @by_name(answers.refusal(answers.Refusal.WRONG_CODE))
    async def login_with_email_code(
        self, tenant_id: str, code: str, finish: answers.Wire | None, ip: str = ""
    ) -> answers.Login | answers.MfaPending | answers.Wire:
        return await self.emailed.login_with_email_code(tenant_id, code, finish, ip)

    @by_token(answers.refusal(answers.Refusal.INVALID_LINK))
    async def login_with_magic_link(
        self, tenant_id: str, secret: str, ip: str = ""
    ) -> answers.Login | answers.MfaPending | answers.Wire:
        return await self.emailed.login_with_magic_link(tenant_id, secret, ip)

    @by_token(answers.refusal(answers.Refusal.INVALID_TICKET))
    async def redeem_login_ticket(
        self, tenant_id: str, secret: str, client_id: str, request: answers.Wire | None, verifier: str
    ) -> answers.Login | answers.MfaPending | answers.Wire:
        return await self.emailed.redeem_login_ticket(tenant_id, secret, client_id, request, verifier)

    @by_name(None)
    async def start_password_reset(self, tenant_id: str) -> str | None:
        return self.emailed.start_password_reset(tenant_id)

    @by_token(None)
    async def reset_password(
        self, tenant_id: str, secret: str, password_hash: str
    ) -> answers.UserJson | None:
        return await self.emailed.reset_password(tenant_id, secret, password_hash)

    @by_user_id(None)
    async def start_email_verification(self, tenant_id: str) -> str | None:
        return self.emailed.start_email_verification(tenant_id)

    @by_token(None)
    async def verify_email(self, tenant_id: str, secret: str) -> answers.UserJson | None:
        return await self.emailed.verify_email(tenant_id, secret)

    # --- federated identities and linking ------------------------------------------------------

    @by_name(answers.refusal(answers.Refusal.UNUSABLE_ACCOUNT))
    async def login_with_identity(
        self,
        tenant_id: str,
        identity: answers.Wire,
        profile: answers.Wire,
        finish: answers.Wire | None,
        ip: str = "",
    ) -> answers.Login | answers.MfaPending | answers.Wire:
        return await self.federation.login_with_identity(tenant_id, identity, profile, finish, ip)

    @by_name(answers.refusal(answers.Refusal.UNVERIFIED_OWNER), creates=True)
    async def join_by_email(
        self,
        tenant_id: str,
        identity: answers.Wire,
        profile: answers.Wire,
        finish: answers.Wire | None,
        ip: str = "",
    ) -> answers.Login | answers.MfaPending | answers.Wire:
        return await self.federation.join_by_email(tenant_id, identity, profile, finish, ip)

    @by_user_id(answers.refusal(answers.Refusal.NO_SUCH_USER))
    async def linkable_identities(self, tenant_id: str) -> answers.Identities | answers.Wire:
        return self.federation.linkable_identities()

    @by_user_id(None)
    async def link_identities(self, tenant_id: str, linked: list[answers.Wire]) -> list[answers.Wire]:
        return await self.federation.link_identities(linked)

    @by_user_id(answers.refusal(answers.Refusal.NO_SUCH_USER))
    async def unlink_identity(
        self, tenant_id: str, provider: str, user_id: str
    ) -> answers.Unlinked | answers.Wire:
        return await self.federation.unlink_identity(provider, user_id)

    @naming(None)
    async def restore_unlinked(self, tenant_id: str, identity: answers.Wire) -> None:
        await self.federation.restore_unlinked(tenant_id, identity)

    # --- second factors -------------------------------------------------------------------------

    @by_token(answers.refusal(answers.Refusal.INVALID_MFA_TOKEN))
    async def mfa_authenticators(self, tenant_id: str, secret: str) -> answers.Wire:
        return await self.multifactor.authenticators(tenant_id, secret)

    @by_token(answers.refusal(answers.Refusal.INVALID_MFA_TOKEN))
    async def mfa_associate(
        self, tenant_id: str, secret: str, issuer: str, with_recovery_code: bool
    ) -> answers.Enrolled | answers.Wire:
        return await self.multifactor.associate(tenant_id, secret, issuer, with_recovery_code)

    @by_token(answers.refusal(answers.Refusal.INVALID_MFA_TOKEN))
    async def mfa_challenge(self, tenant_id: str, secret: str, client_id: str) -> answers.Wire:
        return self.multifactor.challenge(tenant_id, secret, client_id)

    @by_token(answers.refusal(answers.Refusal.INVALID_MFA_TOKEN))
    async def mfa_email_challenge(
        self, tenant_id: str, secret: str, client_id: str, channel: str
    ) -> answers.Wire:
        return await self.multifactor.email_challenge(tenant_id, secret, client_id, channel)

    @by_token(answers.refusal(answers.Refusal.INVALID_MFA_TOKEN))
    async def mfa_verify(
        self,
        tenant_id: str,
        secret: str,
        client_id: str,
        factor: str,
        code: str,
        ip: str = "",
        oob_code: str = "",
        channel: str = "tokens",
    ) -> answers.Login | answers.Wire:
        return await self.multifactor.verify(
            tenant_id, secret, client_id, factor, code, ip, oob_code, channel
        )

    @by_token(answers.refusal(answers.Refusal.INVALID_MFA_TOKEN))
    async def mfa_webauthn_options(self, tenant_id: str, secret: str) -> answers.Wire:
        return await self.multifactor.webauthn_options(tenant_id, secret)

    @by_token(answers.refusal(answers.Refusal.INVALID_MFA_TOKEN))
    async def mfa_webauthn(
        self,
        tenant_id: str,
        secret: str,
        client_id: str,
        kind: str,
        credential: answers.Wire,
        expected: answers.Wire,
        enroll: bool,
        ip: str,
    ) -> answers.Login | answers.Wire:
        return await self.multifactor.webauthn(
            tenant_id, secret, client_id, kind, credential, expected, enroll, ip
        )

    @by_token(None)
    async def remember_browser(self, tenant_id: str, session_secret: str, days: int) -> str | None:
        return self.multifactor.remember_browser(session_secret, days)

    @by_user_id([])
    async def listed_authenticators(self, tenant_id: str) -> list[answers.Wire]:
        return await self.multifactor.listed_authenticators()

    @by_user_id(False)
    async def remove_authenticator(self, tenant_id: str, authenticator_id: str) -> bool:
        return await self.multifactor.remove_authenticator(authenticator_id)

    @by_user_id([])
    async def authentication_methods(self, tenant_id: str) -> list[answers.Wire]:
        return self.multifactor.authentication_methods()

    @by_user_id(0)
    async def delete_authenticators(self, tenant_id: str, authenticator_id: str | None) -> int:
        return self.multifactor.delete_authenticators(authenticator_id)

    @by_user_id(None)
    async def issue_enrollment_ticket(self, tenant_id: str) -> str | None:
        return self.multifactor.issue_enrollment_ticket(tenant_id)

    @by_token(answers.refusal(answers.Refusal.INVALID_TICKET))
    async def ticket_enrolment(
        self, tenant_id: str, secret: str, issuer: str
    ) -> answers.Enrolled | answers.Wire:
        return await self.multifactor.ticket_enrolment(tenant_id, secret, issuer)

    @by_token(answers.refusal(answers.Refusal.INVALID_TICKET))
    async def ticket_confirm(self, tenant_id: str, secret: str, code: str) -> answers.Wire:
        return await self.multifactor.ticket_confirm(tenant_id, secret, code)

    @by_user_id(None)
    async def import_otp(self, tenant_id: str, secret: str) -> answers.Wire | None:
        return await self.multifactor.import_otp(secret)

    @by_user_id(None)
    async def regenerate_recovery_code(self, tenant_id: str) -> str | None:
        return self.multifactor.regenerate_recovery_code()

    async def alarm(self) -> None:
        """Re-send events a failed queue send left in the outbox."""
        await self.profile.flush_outbox()
