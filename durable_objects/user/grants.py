"""What the user's session, codes and refresh tokens grant: SSO at `/authorize`, the code exchange
(RFC 6749 §4.1.3), refresh-token rotation (§6), revocation (RFC 7009), logout."""

from __future__ import annotations

import json
from typing import Any

from durable_objects.user import codes, refresh_tokens, sessions
from durable_objects.user.authentication import Authentication
from durable_objects.user.profile import Profile
from edgeauth.mfa.audience import for_mfa_api
from edgeauth.users import completion
from edgeauth.users.answers import Login, MfaPending, Redeemed, Refusal, Refused, Wire, refusal


class Grants:
    def __init__(self, profile: Profile, authentication: Authentication) -> None:
        self.profile = profile
        self.authentication = authentication
        self.storage = profile.storage

    async def authorize_with_session(
        self, secret: str, request: dict[str, Any] | None, max_age: int | None, lifetimes: sessions.Lifetimes
    ) -> Login | Wire:
        """SSO: a code for a live session, unless `max_age` asks for a fresher login (0: always).
        While the tenant requires MFA only a session whose login passed a second factor is
        reused; for the MFA API none, while the user has a factor to pass."""
        now = self.profile.now()
        session = sessions.find_session(self.storage, secret, now, lifetimes)
        row = self.profile.row()
        if session is None or row is None or row["blocked"]:
            return refusal(Refusal.LOGIN_REQUIRED)
        if max_age is not None and now - session["auth_time"] >= max_age:
            return refusal(Refusal.STALE_SESSION)
        # The MFA API's second factor is passed at its own login: a session's (or a remembered
        # browser's) earlier pass does not count.
        passed = sessions.passed_mfa(self.storage, session["sid"]) and not for_mfa_api(request)
        if not passed and await self.authentication.requires_mfa(request):
            return refusal(Refusal.MFA_REQUIRED)
        return self.authentication.grant(session, request)

    def redeem_code(
        self, secret: str, client_id: str, redirect_uri: str, code_verifier: str, refresh_allowed: bool
    ) -> Redeemed | Wire:
        """Exchange a code once; a second use revokes the refresh tokens the first one issued
        (§4.1.2). With `offline_access` and the client allowed refresh tokens, a refresh token
        starts the code's family."""
        now = self.profile.now()
        outcome = codes.redeem_code(self.storage, secret, client_id, redirect_uri, code_verifier, now)
        if isinstance(outcome, codes.ReusedCode):
            refresh_tokens.revoke_family(self.storage, outcome.family)
            return refusal(Refusal.INVALID_CODE)
        if isinstance(outcome, Refused):
            return outcome.to_wire()
        row = self.profile.row()
        if row is None:
            return refusal(Refusal.INVALID_CODE)
        if row["blocked"]:
            return refusal(Refusal.BLOCKED)
        result: Redeemed = {
            "request": outcome.request,
            "sid": outcome.sid,
            "auth_time": outcome.auth_time,
            "user": self.profile.user_json(row),
        }
        mfa = sessions.passed_mfa(self.storage, outcome.sid)
        if mfa:
            result["amr"] = ["mfa"]
            refresh_tokens.mark_mfa(self.storage, outcome.family)
        if refresh_allowed and "offline_access" in outcome.request["scope"].split():
            result["refresh_token"] = refresh_tokens.issue_refresh_token(
                self.storage,
                self.profile.state.id,
                family=outcome.family,
                request=outcome.request,
                sid=outcome.sid,
                auth_time=outcome.auth_time,
                now=now,
            )
        return result

    async def refresh(self, secret: str, client_id: str, scope: str) -> Redeemed | MfaPending | Wire:
        """Rotate a refresh token, optionally narrowing its scope. A blocked user's token is
        refused without being spent. While the tenant requires MFA, a token whose login passed no
        second factor is not rotated: the answer is an mfa_token for that login's request (Auth0's
        step-up), and the tokens come from the MFA grant."""
        row = self.profile.row()
        if row is None:
            return refusal(Refusal.INVALID_REFRESH_TOKEN)
        if row["blocked"]:
            return refusal(Refusal.BLOCKED)
        now = self.profile.now()
        current = refresh_tokens.live(self.storage, secret, client_id, now)
        if current is not None and not refresh_tokens.passed_mfa(self.storage, current["family"]):
            request = json.loads(current["request"])
            if await self.authentication.requires_mfa(request):
                finish = completion.token_grant(request, refresh_allowed=True)
                return await self.authentication.pending_mfa(row, finish, now)
        rotated = refresh_tokens.rotate(self.storage, self.profile.state.id, secret, client_id, scope, now)
        if isinstance(rotated, Refused):
            return rotated.to_wire()
        result: Redeemed = {
            "request": rotated.request,
            "sid": rotated.sid,
            "auth_time": rotated.auth_time,
            "refresh_token": rotated.refresh_token,
            "user": self.profile.user_json(row),
        }
        if rotated.mfa:
            result["amr"] = ["mfa"]
        return result

    def revoke_refresh_token(self, secret: str, client_id: str) -> bool:
        return refresh_tokens.revoke(self.storage, secret, client_id)

    def end_session(self, secret: str) -> str | None:
        """Logout: delete the cookie's session; the user's id when a session ended (Auth0 `slo`)."""
        row = self.profile.row()
        if sessions.end_session(self.storage, secret) is None or row is None:
            return None
        return str(row["user_id"])
