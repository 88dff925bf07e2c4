"""The one way to a user's Durable Object: `UserObjects(platform, tenant_id)` (docs/security.md, "Hosts and
origins").

A handle cannot be built without its tenant, and every call it makes carries that tenant; the
object records its tenant at its first call and refuses calls for any other (durable_objects/user/
routing.py). So a session cookie, code, refresh token, ticket or link minted on one tenant finds
nothing on another, whatever the Worker code around it forgets to check.

Objects are named by email (`{tenant}/email/{address}`) or by a federated identity
(`{tenant}/identity/{connection}/{id}`); a `user_id` this deployment gives is
`{provider}|{object id}{creation}` (the 64-hex object id routes it, the creation part makes it unique
for ever); an imported `user_id` is kept as it was and routed by an alias object
(`{tenant}/user_id/{user_id}`) that points to the user's object; opaque tokens are
`{object id}.{secret}`.
"""

from __future__ import annotations

import re
from typing import Any

from edgeauth.platform import Platform
from edgeauth.ports import ObjectStub
from edgeauth.users.answers import (
    NAMED_REFUSALS,
    Created,
    Enrolled,
    Identities,
    Login,
    MfaPending,
    Redeemed,
    Refused,
    Sent,
    Snapshot,
    Unlinked,
    UserJson,
    from_wire,
)
from edgeauth.users.directory import normalize_email
from edgeauth.users.opaque import split_token

_USER_ID = re.compile(r"[^|]+\|([0-9a-f]{64})[0-9a-f]{8}")


class _Handle:
    """One user object reached one way; `reach` travels as the first argument of every call."""

    def __init__(self, stub: ObjectStub, reach: dict[str, Any]) -> None:
        self._stub = stub
        self._reach = reach

    async def _call(self, method: str, *args: Any) -> Any:
        """The object's answer, a refusal turned back into a `Refused`."""
        return from_wire(await self._stub.call(method, self._reach, *args))


class EmailUser(_Handle):
    """The user (if any) who has this email now, in the tenant."""

    async def snapshot(self) -> Snapshot:
        """`user` None when nobody has the email."""
        return await self._call("email_snapshot")

    async def create_user(
        self,
        connection: str,
        password_hash: str | None,
        profile: dict[str, Any],
        user_id: str | None = None,
        marker: str = "",
    ) -> Created:
        """A new database user with this email; `user_id` kept when imported (else a new one)."""
        return await self._call("create_user", connection, password_hash, profile, user_id, marker)

    async def claim_name(self, user: UserById) -> bool:
        """An email change: this email now reaches `user`; False when someone else has it."""
        return await self._call("claim_name", user.object_id)

    async def release_name(self, user: UserById) -> None:
        await self._call("release_name", user.object_id)

    async def login_with_password(
        self, password: str, finish: dict[str, Any] | None, ip: str
    ) -> Login | MfaPending | Refused:
        return await self._call("login_with_password", password, finish, ip)

    async def signup_with_passkey(
        self,
        connection: str,
        handle: str,
        credential: dict[str, Any],
        expected: dict[str, Any],
        finish: dict[str, Any],
        ip: str,
    ) -> Login | Refused:
        """A new user of this (proven) email with the passkey just made, whose user handle was the
        object id `handle`; the login completed."""
        return await self._call("signup_with_passkey", connection, handle, credential, expected, finish, ip)

    async def start_signup_code(self) -> Sent:
        """`{"code"}` to email before a passkey signup; `{}` when the email has a user."""
        return await self._call("start_signup_code")

    async def prove_signup_code(self, code: str) -> bool:
        return bool(await self._call("prove_signup_code", code))

    async def start_passwordless(self, send: str, request: dict[str, Any] | None) -> Sent:
        return await self._call("start_passwordless", send, request)

    async def login_with_email_code(
        self, code: str, finish: dict[str, Any] | None, ip: str
    ) -> Login | MfaPending | Refused:
        return await self._call("login_with_email_code", code, finish, ip)

    async def start_password_reset(self) -> str | None:
        return await self._call("start_password_reset")

    async def join_by_email(
        self, identity: dict[str, Any], profile: dict[str, Any], finish: dict[str, Any] | None, ip: str
    ) -> Login | MfaPending | Refused:
        """A federated identity with this verified email joins its user (or becomes it)."""
        return await self._call("join_by_email", identity, profile, finish, ip)


class IdentityUser(_Handle):
    """A federated identity's own object: its user, or the way to the user it joined."""

    async def login_with_identity(
        self, identity: dict[str, Any], profile: dict[str, Any], finish: dict[str, Any] | None, ip: str
    ) -> Login | MfaPending | Refused:
        return await self._call("login_with_identity", identity, profile, finish, ip)

    async def point_to(self, user: UserById) -> None:
        """Linked: the identity's logins reach `user` from now on."""
        await self._call("point_to", user.object_id)

    async def restore_unlinked(self, identity: dict[str, Any]) -> None:
        await self._call("restore_unlinked", identity)


class UserIdAlias(_Handle):
    """An imported `user_id`'s own object: which object's user has that id now."""

    async def claim_for(self, object_id: str) -> bool:
        """The id reaches the user of `object_id` from now on; False when another user has it."""
        return await self._call("claim_name", object_id)

    async def release_from(self, object_id: str) -> None:
        await self._call("release_name", object_id)

    async def holder(self) -> str | None:
        return await self._call("name_holder")


class UserById(_Handle):
    """The user with this `user_id` (nobody once it is deleted, even if its email signs up again)."""

    def __init__(self, stub: ObjectStub, reach: dict[str, Any], object_id: str, *, imported: bool) -> None:
        super().__init__(stub, reach)
        self.object_id = object_id
        self.imported = imported  # reached through its id's alias

    async def snapshot(self) -> Snapshot:
        return await self._call("snapshot")

    async def update_user(self, changes: dict[str, Any]) -> UserJson | None:
        return await self._call("update_user", changes)

    async def delete_user(self) -> bool:
        return await self._call("delete_user")

    async def exchange_upstream_refresh_token(
        self, digest: str, finish: dict[str, Any], ip: str
    ) -> Login | MfaPending | Refused:
        return await self._call("exchange_upstream_refresh_token", digest, finish, ip)

    async def exported_password(self) -> dict[str, Any] | None:
        return await self._call("exported_password")

    async def start_email_verification(self) -> str | None:
        return await self._call("start_email_verification")

    async def linkable_identities(self) -> Identities | Refused:
        return await self._call("linkable_identities")

    async def link_identities(self, linked: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        return await self._call("link_identities", linked)

    async def unlink_identity(self, provider: str, user_id: str) -> Unlinked | Refused:
        return await self._call("unlink_identity", provider, user_id)

    async def listed_authenticators(self) -> list[dict[str, Any]]:
        """The MFA API's listing (`GET /mfa/authenticators`)."""
        return await self._call("listed_authenticators")

    async def remove_authenticator(self, authenticator_id: str) -> bool:
        """The MFA API's `DELETE /mfa/authenticators/{id}`: False when it lists no such one."""
        return await self._call("remove_authenticator", authenticator_id)

    async def authentication_methods(self) -> list[dict[str, Any]]:
        return await self._call("authentication_methods")

    async def delete_authenticators(self, authenticator_id: str | None = None) -> int:
        """One authenticator, or all of them; how many were deleted."""
        return await self._call("delete_authenticators", authenticator_id)

    async def regenerate_recovery_code(self) -> str | None:
        return await self._call("regenerate_recovery_code")

    async def issue_enrollment_ticket(self) -> str | None:
        """An enrollment ticket's token (None: no such user)."""
        return await self._call("issue_enrollment_ticket")

    async def import_otp(self, secret: str) -> dict[str, Any] | None:
        """An authenticator app with this base32 secret, active at once (None: no such user)."""
        return await self._call("import_otp", secret)


class TokenUser(_Handle):
    """The object an opaque token names; the secret is checked by the object."""

    async def authorize_with_session(
        self, secret: str, request: dict[str, Any] | None, max_age: int | None, lifetimes: dict[str, int]
    ) -> Login | Refused:
        return await self._call("authorize_with_session", secret, request, max_age, lifetimes)

    async def redeem_code(
        self, secret: str, client_id: str, redirect_uri: str, code_verifier: str, refresh_allowed: bool
    ) -> Redeemed | Refused:
        return await self._call(
            "redeem_code", secret, client_id, redirect_uri, code_verifier, refresh_allowed
        )

    async def refresh(self, secret: str, client_id: str, scope: str) -> Redeemed | MfaPending | Refused:
        return await self._call("refresh", secret, client_id, scope)

    async def revoke_refresh_token(self, secret: str, client_id: str) -> bool:
        return await self._call("revoke_refresh_token", secret, client_id)

    async def end_session(self, secret: str) -> str | None:
        return await self._call("end_session", secret)

    async def login_with_magic_link(self, secret: str, ip: str) -> Login | MfaPending | Refused:
        return await self._call("login_with_magic_link", secret, ip)

    async def redeem_login_ticket(
        self, secret: str, client_id: str, request: dict[str, Any] | None, verifier: str
    ) -> Login | MfaPending | Refused:
        return await self._call("redeem_login_ticket", secret, client_id, request, verifier)

    async def mfa_authenticators(self, secret: str) -> dict[str, Any] | Refused:
        """`{"client_id": the token's client, "authenticators": [...]}`."""
        return await self._call("mfa_authenticators", secret)

    async def mfa_associate(self, secret: str, issuer: str, with_recovery_code: bool) -> Enrolled | Refused:
        return await self._call("mfa_associate", secret, issuer, with_recovery_code)

    async def mfa_challenge(self, secret: str, client_id: str) -> dict[str, Any] | Refused:
        return await self._call("mfa_challenge", secret, client_id)

    async def mfa_verify(
        self,
        secret: str,
        client_id: str,
        factor: str,
        code: str,
        ip: str,
        oob_code: str = "",
        channel: str = "tokens",
    ) -> Login | Refused:
        """The second factor (`otp`, `email` with its challenge's `oob_code`, or `recovery-code`)
        of the login the mfa_token stands for; `channel` `session` from the hosted page."""
        return await self._call("mfa_verify", secret, client_id, factor, code, ip, oob_code, channel)

    async def mfa_email_challenge(
        self, secret: str, client_id: str, channel: str
    ) -> dict[str, str] | Refused:
        """A code to the user's verified email: `{code, email, oob_code, user_id}` (the Worker
        sends it)."""
        return await self._call("mfa_email_challenge", secret, client_id, channel)

    async def mfa_webauthn_options(self, secret: str) -> dict[str, Any] | Refused:
        """The user entity and the credentials a WebAuthn call of the second factor names."""
        return await self._call("mfa_webauthn_options", secret)

    async def mfa_webauthn(
        self,
        secret: str,
        client_id: str,
        kind: str,
        credential: dict[str, Any],
        expected: dict[str, Any],
        enroll: bool,
        ip: str,
    ) -> Login | Refused:
        """A security key's or the device's answer (registration when `enroll`, else assertion)."""
        return await self._call("mfa_webauthn", secret, client_id, kind, credential, expected, enroll, ip)

    async def remember_browser(self, secret: str, days: int) -> str | None:
        """A token remembering the browser of this new session (`secret`, its cookie's), which
        passed MFA, for `days`; None otherwise."""
        token = await self._call("remember_browser", secret, days)
        return str(token) if token else None

    async def ticket_enrolment(self, secret: str, issuer: str) -> Enrolled | Refused:
        """The enrollment ticket's authenticator app to set up."""
        return await self._call("ticket_enrolment", secret, issuer)

    async def ticket_confirm(self, secret: str, code: str) -> dict[str, Any] | Refused:
        return await self._call("ticket_confirm", secret, code)

    async def reset_password(self, secret: str, password_hash: str) -> UserJson | None:
        return await self._call("reset_password", secret, password_hash)

    async def verify_email(self, secret: str) -> UserJson | None:
        return await self._call("verify_email", secret)


class PasskeyUser(_Handle):
    """The object a passkey's user handle names (its own tenant only)."""

    async def login_with_passkey(
        self, credential: dict[str, Any], expected: dict[str, Any], finish: dict[str, Any], ip: str
    ) -> Login | Refused:
        return await self._call("login_with_passkey", credential, expected, finish, ip)


class NameHolder(_Handle):
    """The object a name's object routes a call to (`durable_objects/user/routing.py`); it answers
    only while its user still holds the name."""

    async def email_snapshot(self) -> Snapshot | dict[str, str]:
        """The holder's user, or the routing's "not held" answer."""
        return await self._call("email_snapshot")

    async def forward(self, method: str, *args: Any) -> Any:
        """The call the name's object received, passed on as it came (its answer untouched)."""
        return await self._stub.call(method, self._reach, *args)


async def _with_user(handle: UserById) -> tuple[UserById, Snapshot] | None:
    snapshot = await handle.snapshot()
    return (handle, snapshot) if snapshot["user"] is not None else None


class UserObjects:
    """The tenant's user objects. Nothing else in the Worker turns a name, id or token into a stub."""

    def __init__(self, platform: Platform, tenant_id: str) -> None:
        self._platform = platform
        self.tenant_id = tenant_id

    def by_email(self, email: str) -> EmailUser:
        address = normalize_email(email)
        stub = self._platform.users.get_by_name(f"{self.tenant_id}/email/{address}")
        return EmailUser(stub, {"tenant": self.tenant_id, "name": f"email:{address}"})

    def by_identity(self, connection: str, user_id: str) -> IdentityUser:
        stub = self._platform.users.get_by_name(f"{self.tenant_id}/identity/{connection}/{user_id}")
        return IdentityUser(stub, {"tenant": self.tenant_id, "name": f"identity:{connection}/{user_id}"})

    def holder(self, name: str, object_id: str) -> NameHolder:
        """The object holding `name` (an email or identity name) for the name's own object."""
        reach = {"tenant": self.tenant_id, "name": name, "holder": True}
        return NameHolder(self._platform.users.get(object_id), reach)

    def by_alias(self, user_id: str) -> UserIdAlias:
        stub = self._platform.users.get_by_name(f"{self.tenant_id}/user_id/{user_id}")
        return UserIdAlias(stub, {"tenant": self.tenant_id, "name": f"user_id:{user_id}"})

    async def find(self, user_id: str) -> tuple[UserById, Snapshot] | None:
        """The user with this id and its snapshot: by the object its id names when this deployment
        gave the id, else through the id's alias (an imported id, which may look like one of ours)."""
        own = self.by_own_id(user_id)
        if own is not None and (found := await _with_user(own)):
            return found
        imported = await self.by_imported_id(user_id)
        return await _with_user(imported) if imported else None

    def by_own_id(self, user_id: str) -> UserById | None:
        """The handle an id this deployment gave names, without asking its object (`find` does);
        `None` for an id that names no object of this deployment."""
        match = _USER_ID.fullmatch(user_id)
        return self.in_object(user_id, match.group(1), imported=False) if match else None

    async def by_imported_id(self, user_id: str) -> UserById | None:
        """The handle an imported id's alias points to (asked of the alias, not of the user)."""
        holder = await self.by_alias(user_id).holder()
        return self.in_object(user_id, holder, imported=True) if holder else None

    def in_object(self, user_id: str, object_id: str, *, imported: bool) -> UserById | None:
        """The user `user_id` in the object it lives in (the object refuses any other id)."""
        stub = self._stub(object_id)
        reach = {"tenant": self.tenant_id, "user_id": user_id}
        return UserById(stub, reach, object_id, imported=imported) if stub else None

    def email_object_id(self, email: str) -> str:
        """The id of the object an email names (a passkey's user handle at signup)."""
        return self._platform.users.id_from_name(f"{self.tenant_id}/email/{normalize_email(email)}")

    def by_passkey(self, user_handle: bytes) -> PasskeyUser | None:
        """The object a passkey's user handle (the 32 bytes of an object id) names, else `None`."""
        stub = self._stub(user_handle.hex()) if len(user_handle) == 32 else None
        return PasskeyUser(stub, {"tenant": self.tenant_id}) if stub else None

    def by_token(self, token: str) -> tuple[TokenUser, str] | None:
        """The object an opaque `{object id}.{secret}` token names, and the secret; else `None`."""
        parts = split_token(token)
        stub = self._stub(parts[0]) if parts else None
        if parts is None or stub is None:
            return None
        return TokenUser(stub, {"tenant": self.tenant_id, NAMED_REFUSALS: True}), parts[1]

    def _stub(self, object_id: str) -> ObjectStub | None:
        """Workers' `idFromString` refuses ids of other namespaces; so does the local runtime."""
        try:
            return self._platform.users.get(object_id)
        except ValueError:
            return None
