"""Federated identities (enterprise and social connections): logging in with one, the join by a
verified email (one user per verified email), and Auth0's account linking and unlinking.

Identities travel in their Auth0 Management API shape (`provider`, `user_id`, `connection`,
`isSocial`, `profileData`), read by `identities.from_json`.
"""

from __future__ import annotations

from durable_objects.user import identities, names
from durable_objects.user.authentication import SESSION, Authentication
from durable_objects.user.profile import Profile
from edgeauth.connections import EMAIL_CONNECTION
from edgeauth.users.answers import Identities, Login, MfaPending, Refusal, Refused, Unlinked, Wire, refusal
from edgeauth.users.objects import UserObjects


class Federation:
    def __init__(self, profile: Profile, authentication: Authentication) -> None:
        self.profile = profile
        self.authentication = authentication
        self.storage = profile.storage

    async def login_with_identity(
        self, tenant_id: str, identity: Wire, profile: Wire, finish: Wire | None, ip: str
    ) -> Login | MfaPending | Wire:
        """On the identity's own object (or, routed, on the user it joined). A returning identity
        signs in. A new one with a verified email joins the user who has that email now, or becomes
        it; an unverified or missing email never joins anyone: the user lives here, on its own."""
        row = self.profile.row()
        if row is not None:
            return await self._sign_in(row, identity, finish, ip)
        email = profile.get("email")
        if email and profile.get("email_verified"):
            owner = UserObjects(self.profile.env, tenant_id).by_email(email)
            joined = await owner.join_by_email(identity, profile, finish, ip)
            if not isinstance(joined, Refused):
                names.set_holder(self.storage, joined.pop("object_id", None), 0)
                return joined
            if joined.code != Refusal.UNVERIFIED_OWNER:
                return joined.to_wire()
        return await self._sign_up(tenant_id, email, profile, identity, finish, ip)

    async def join_by_email(
        self, tenant_id: str, identity: Wire, profile: Wire, finish: Wire | None, ip: str
    ) -> Login | MfaPending | Wire:
        """Where a verified email is held: its user gains the identity if that user's email is
        verified too (account-takeover guard), or, no user yet, the identity's user is created
        here. The answer names this object (`object_id`) for the identity's object to point to."""
        row = self.profile.row()
        if row is not None and not row["email_verified"]:
            return refusal(Refusal.UNVERIFIED_OWNER)
        result: Login | MfaPending | Wire
        if row is None:
            result = await self._sign_up(tenant_id, profile["email"], profile, identity, finish, ip)
        else:
            result = await self._sign_in(row, identity, finish, ip)
        if "refused" not in result:
            result["object_id"] = self.profile.state.id
        return result

    async def _sign_in(
        self, row: Wire, identity: Wire, finish: Wire | None, ip: str
    ) -> Login | MfaPending | Wire:
        """Log the user in, attaching (or refreshing the profile data of) the identity as the login
        completes: after the second factor when one is due, so a login that stops there changes
        nothing."""
        if row["blocked"]:
            return refusal(Refusal.BLOCKED)
        return await self.authentication.finish({**(finish or SESSION), "attach": identity}, ip)

    async def _sign_up(
        self, tenant_id: str, email: str | None, profile: Wire, identity: Wire, finish: Wire | None, ip: str
    ) -> Login | MfaPending | Wire:
        """A new user whose first identity is this one (`{provider}|{object id}{creation}`); the
        tenant's MFA then asks for the enrolment of a second factor, as for any new user."""
        first = identities.from_json(identity)
        self.profile.insert(tenant_id, self.profile.new_user_id(first.provider), email, profile, first)
        await self.profile.committed("user.created")
        return await self.authentication.finish(finish, ip)

    def linkable_identities(self) -> Identities | Wire:
        """Auth0 link, on the secondary account: its identities, if it may be linked. Only
        federated accounts (no password, no email identity) are secondaries here."""
        held = identities.identities_json(self.storage)
        if self.profile.has_password() or any(i["provider"] == EMAIL_CONNECTION for i in held):
            return refusal(Refusal.UNSUPPORTED_SECONDARY)
        return {"identities": held}

    async def link_identities(self, linked: list[Wire]) -> list[Wire]:
        """Auth0 link, on the primary account: it gains the identities; its identities after."""
        for identity in linked:
            identities.add_identity(self.storage, identities.from_json(identity))
        user: list[Wire] = (await self.profile.bumped())["identities"]
        return user

    async def unlink_identity(self, provider: str, user_id: str) -> Unlinked | Wire:
        """Auth0 unlink: a secondary identity leaves the user (never the primary, the first)."""
        held = identities.identities_json(self.storage)
        found = next((i for i in held[1:] if i["provider"] == provider and i["user_id"] == user_id), None)
        if found is None:
            return refusal(Refusal.NO_SUCH_IDENTITY)
        identities.remove_identity(self.storage, provider, user_id)
        remaining = (await self.profile.bumped())["identities"]
        return {"identities": remaining, "removed": found}

    async def restore_unlinked(self, tenant_id: str, identity: Wire) -> None:
        """After an unlink, on the identity's own object: the identity is a user of its own again
        (Auth0), made from its profile data, so the next login does not link it back."""
        if self.profile.row() is not None:
            return
        names.set_holder(self.storage, None, 0)
        restored = identities.from_json(identity)
        data = dict(restored.profile_data)
        user_id = self.profile.new_user_id(restored.provider)
        self.profile.insert(tenant_id, user_id, data.get("email"), data, restored)
        await self.profile.committed("user.created")
