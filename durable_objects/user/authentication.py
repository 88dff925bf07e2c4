"""Authenticating the user, and what a successful login ends in (`edgeauth.users.completion`):
an SSO session with maybe a code, tokens' inputs for the token endpoint, or a login ticket; when
the tenant requires MFA, a token grant ends in an mfa_token instead (`second_factors`)."""

from __future__ import annotations

import secrets
from typing import Any

from durable_objects.user import (
    brute_force,
    codes,
    identities,
    known_devices,
    names,
    one_time,
    refresh_tokens,
    remembered,
    second_factors,
    sessions,
)
from durable_objects.user.profile import Profile
from edgeauth.mfa.audience import for_mfa_api
from edgeauth.mfa.factors import asks_for_mfa, offers_mfa
from edgeauth.snapshots import Tenant, load_tenant
from edgeauth.users.answers import Login, MfaPending, Refusal, Wire, refusal
from edgeauth.users.passwords import hash_password, needs_rehash, verify_dummy, verify_password

# A login that ends in an SSO session and nothing else (no authorization request).
SESSION: dict[str, Any] = {"kind": "session", "request": None}


class Authentication:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.storage = profile.storage

    async def login_with_password(
        self, password: str, finish: dict[str, Any] | None, ip: str
    ) -> Login | MfaPending | Wire:
        """Check the password (Auth0 database connection): the block, the lockouts, the hash; weaker
        hashes are upgraded. No user or no password costs one hash all the same, so the answer's
        timing does not tell whether the email has an account."""
        row = self.profile.row()
        stored = self.profile.password_hash()
        if row is None or stored is None:
            await verify_dummy(self.profile.env.crypto, password)
            return refusal(Refusal.WRONG_CREDENTIALS if row is None else Refusal.NO_PASSWORD)
        if row["blocked"]:
            return refusal(Refusal.BLOCKED)
        now = self.profile.now()
        if brute_force.is_locked(self.storage, ip, now):
            return refusal(Refusal.TOO_MANY_ATTEMPTS)
        if not await verify_password(self.profile.env.crypto, password, stored):
            brute_force.record_failure(self.storage, ip, now)
            return refusal(Refusal.WRONG_CREDENTIALS)
        if needs_rehash(stored):
            self.profile.set_password(await hash_password(self.profile.env.crypto, password))
        brute_force.record_success(self.storage, ip, now)
        return await self.finish(finish, ip)

    async def exchange_upstream_refresh_token(
        self, digest: str, finish: dict[str, Any], ip: str
    ) -> Login | MfaPending | Wire:
        """Once per upstream token: a second exchange of it is an unknown refresh token."""
        row = self.profile.row()
        taken = self.storage.exec("SELECT 1 FROM upstream_refresh_tokens WHERE digest = ?", digest)
        if row is None or taken:
            return refusal(Refusal.INVALID_REFRESH_TOKEN)
        if row["blocked"]:
            return refusal(Refusal.BLOCKED)
        self.storage.exec(
            "INSERT INTO upstream_refresh_tokens (digest, exchanged_at) VALUES (?, ?)",
            digest,
            self.profile.now(),
        )
        return await self.finish(finish, ip)

    async def tenant(self) -> Tenant | None:
        """The user's tenant as logins see it (its snapshot)."""
        name = names.read(self.storage)  # recorded by the call's routing, before any user exists
        return None if name is None else await load_tenant(self.profile.env.config, name.tenant_id)

    async def requires_mfa(self, request: dict[str, Any] | None = None) -> bool:
        """The tenant's MFA policy, read from its snapshot here, where every login ends, so no
        login path can skip it; a tenant that cannot be read requires it (fail closed). The
        login's own request may ask for MFA too (Auth0's `acr_values` multi-factor policy), and a
        login for the MFA API needs the second factor of a user who has one (not the email)."""
        tenant = await self.tenant()
        if tenant is None or tenant.requires_mfa:
            return True
        if request is None:
            return False
        if asks_for_mfa(request.get("acr_values", "")) and offers_mfa(tenant.mfa_factors):
            return True
        return for_mfa_api(request) and any(
            kind != second_factors.EMAIL for kind in second_factors.enrolled(self.storage, tenant.mfa_factors)
        )

    async def finish(self, finish: dict[str, Any] | None, ip: str | None) -> Login | MfaPending | Wire:
        """After the first factor, what `finish` asks for (edgeauth.users.completion). With MFA
        required, a login that can go on to a second factor (a token grant, or a request the hosted
        page carries) gets an mfa_token; one that cannot (a login ticket, no request) is refused
        rather than let through. A completed login is counted (`ip`; None: counted when its
        ticket was issued)."""
        finish = finish or SESSION
        now = self.profile.now()
        # Auth0: a remembered browser does not pass the MFA API's second factor.
        if not for_mfa_api(finish.get("request")) and await self._remembered(finish, now):
            return await self.complete(finish, ip, now, ["mfa"])
        tenant = await self.tenant()
        if tenant is not None and self._low_confidence(tenant, finish, now):
            # First, so that a user with no factor proves the mailbox before anything else (a
            # login asking for MFA would otherwise let the password alone enroll a factor).
            adaptive = {**finish, "adaptive": True}
            if second_factors.second_to(self.storage, adaptive, tenant.mfa_factors):
                return await self._second_factor(adaptive, now)
        if await self.requires_mfa(finish.get("request")):
            return await self._second_factor(finish, now)
        return await self.complete(finish, ip, now)

    async def _second_factor(self, finish: dict[str, Any], now: int) -> MfaPending | Wire:
        if finish["kind"] == "ticket" or finish["request"] is None:
            return refusal(Refusal.MFA_REQUIRED)
        return await self.pending_mfa(self.profile.user(), finish, now)

    def _low_confidence(self, tenant: Tenant, finish: dict[str, Any], now: int) -> bool:
        """Auth0's Adaptive MFA (`confidence-score`): a login from a device this user has not
        completed a login on lately (or with no device at all: token grants, login tickets) is of
        low confidence; edgeauth has no travel or IP reputation signals."""
        if not tenant.adaptive_mfa:
            return False
        devices = finish.get("devices") or []
        return known_devices.known(self.storage, self.profile.state.id, devices, now) is None

    async def _remembered(self, finish: dict[str, Any], now: int) -> bool:
        """A browser that passed MFA for this user and asked to be remembered (its cookie's token in
        `finish`), within the tenant's days: its login counts as having passed the second factor."""
        token = finish.get("remembered", "")
        if not token:
            return False
        tenant = await self.tenant()
        days = tenant.mfa_remember_days if tenant else 0
        return remembered.is_remembered(self.storage, self.profile.state.id, str(token), days, now)

    async def complete(
        self, finish: dict[str, Any], ip: str | None, now: int, amr: list[str] | None = None
    ) -> Login:
        """The login done (after its second factor, when `amr` says so): the federated identity it
        came with attached, counted, then what `finish` asks for; a session or refresh family that
        passed MFA is marked so."""
        if "attach" in finish:
            identities.add_identity(self.storage, identities.from_json(finish["attach"]))
        if ip is not None:
            await self.profile.record_login(ip)
        row = self.profile.user()
        if finish["kind"] == "ticket":
            payload = {
                "tenant_id": row["tenant_id"],
                "client_id": finish["client_id"],
                "verifier_digest": finish["verifier_digest"],
            }
            ticket = one_time.issue_token(self.storage, self.profile.state.id, "login_ticket", payload, now)
            return {"user": self.profile.user_json(row), "login_ticket": ticket}
        if finish["kind"] == "tokens":
            return self.direct_grant(finish["request"], finish["refresh_allowed"], now, amr)
        session = sessions.create_session(self.storage, self.profile.state.id, now)
        if amr and "mfa" in amr:
            sessions.mark_mfa(self.storage, session["sid"])
        login: Login = {**self.grant(session, finish["request"]), "session_token": session["token"]}
        if "devices" in finish:  # Adaptive MFA: the browser known after a login that proved more
            proven = bool(amr) or finish.get("first") == second_factors.EMAIL
            cookie = known_devices.seen(
                self.storage, self.profile.state.id, finish["devices"], now, proven=proven
            )
            if cookie is not None:
                login["device"] = cookie
        return login

    async def pending_mfa(self, row: dict[str, Any], finish: dict[str, Any], now: int) -> MfaPending | Wire:
        """Auth0's `mfa_required`: an mfa_token that carries this login's finish to the second
        factor (not the browser's remembered-browser token), and what the user can be challenged
        with or enroll; refused when there is nothing (say, only the email factor and an
        unverified email)."""
        tenant = await self.tenant()
        factors = second_factors.second_to(self.storage, finish, tenant.mfa_factors if tenant else [])
        requirements = second_factors.requirements(self.storage, factors)
        if not any(requirements.values()):
            return refusal(Refusal.MFA_REQUIRED)
        payload = {
            "tenant_id": row["tenant_id"],
            "client_id": finish["request"]["client_id"],
            "finish": {key: value for key, value in finish.items() if key != "remembered"},
        }
        token = one_time.issue_token(self.storage, self.profile.state.id, "mfa", payload, now)
        return {"user": self.profile.user_json(row), "mfa_token": token, "mfa_requirements": requirements}

    def grant(self, session: dict[str, Any], request: dict[str, Any] | None) -> Login:
        """The user and the session (`amr` when its login passed a second factor: ID tokens issued
        at `/authorize` itself say so too), and a code for an authorization request."""
        result: Login = {
            "user": self.profile.user_json(self.profile.user()),
            "sid": session["sid"],
            "auth_time": session["auth_time"],
        }
        if sessions.passed_mfa(self.storage, session["sid"]):
            result["amr"] = ["mfa"]
        if request is not None:
            result["code"] = codes.issue_code(
                self.storage,
                self.profile.state.id,
                request,
                session["sid"],
                session["auth_time"],
                self.profile.now(),
            )
        return result

    def direct_grant(
        self, request: dict[str, Any], refresh_allowed: bool, now: int, amr: list[str] | None = None
    ) -> Login:
        """Token endpoint grants: no SSO session (`sid` empty), a refresh token for offline access;
        `amr` says how the user authenticated (`["mfa"]`: its refresh tokens carry that on)."""
        result: Login = {
            "user": self.profile.user_json(self.profile.user()),
            "sid": "",
            "auth_time": now,
            "request": request,
        }
        if amr:
            result["amr"] = amr
        if refresh_allowed and "offline_access" in request["scope"].split():
            family = secrets.token_hex(16)
            result["refresh_token"] = refresh_tokens.issue_refresh_token(
                self.storage,
                self.profile.state.id,
                family=family,
                request=request,
                sid="",
                auth_time=now,
                now=now,
            )
            if amr and "mfa" in amr:
                refresh_tokens.mark_mfa(self.storage, family)
        return result
