"""UserObject: one Durable Object per user holds the profile, identities and credentials.

The same class runs on Cloudflare (wrapped as a `workers.DurableObject` by
`edgeauth.runtime.cloudflare.worker`) and in the local runtime. Every change bumps the user's
`version` and sends an event to the USER_EVENTS queue, which keeps D1's copy up to date.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from durable_objects.user import brute_force, codes, refresh_tokens, sessions
from edgeauth.admin.rows import from_json_column, iso_now
from edgeauth.platform import Platform
from edgeauth.ports import ObjectState
from edgeauth.users.passwords import hash_password, needs_rehash, verify_password

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS user (
        singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
        tenant_id      TEXT NOT NULL,
        user_id        TEXT NOT NULL,
        email          TEXT,
        email_verified INTEGER NOT NULL DEFAULT 0,
        name           TEXT,
        nickname       TEXT,
        picture        TEXT,
        app_metadata   TEXT NOT NULL DEFAULT '{}',
        user_metadata  TEXT NOT NULL DEFAULT '{}',
        blocked        INTEGER NOT NULL DEFAULT 0,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        version        INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS identities (
        provider     TEXT NOT NULL,
        user_id      TEXT NOT NULL,
        connection   TEXT NOT NULL,
        is_social    INTEGER NOT NULL,
        profile_data TEXT,
        PRIMARY KEY (provider, user_id)
    )""",
    """CREATE TABLE IF NOT EXISTS credentials (
        kind       TEXT PRIMARY KEY,
        secret     TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS login_stats (
        singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
        logins_count    INTEGER NOT NULL DEFAULT 0,
        last_login      TEXT
    )""",
    brute_force.SCHEMA,
    sessions.SCHEMA,
    codes.SCHEMA,
    refresh_tokens.SCHEMA,
    # Transactional outbox: events are written with the change, sent after it, deleted once sent.
    """CREATE TABLE IF NOT EXISTS outbox (
        version INTEGER PRIMARY KEY,
        event   TEXT NOT NULL
    )""",
)
OUTBOX_RETRY_MS = 5_000
WRONG_CREDENTIALS = "Wrong email or password."


def gravatar(email: str) -> str:
    """Auth0's default `picture` for database users."""
    digest = hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()
    return f"https://s.gravatar.com/avatar/{digest}?s=480&r=pg&d=mp"


class UserObject:
    """RPC surface of a user's Durable Object; each call runs alone (the input gate)."""

    RPC_METHODS: ClassVar[tuple[str, ...]] = (
        "create_user",
        "get_user",
        "login_with_password",
        "authorize_with_session",
        "redeem_code",
        "refresh",
        "revoke_refresh_token",
        "end_session",
    )

    def __init__(self, state: ObjectState, env: Platform) -> None:
        self.state = state
        self.env = env
        for statement in SCHEMA:
            state.storage.exec(statement)

    def _row(self) -> dict[str, Any] | None:
        rows = self.state.storage.exec("SELECT * FROM user WHERE singleton = 1")
        return rows[0] if rows else None

    def _user_json(self, row: dict[str, Any]) -> dict[str, Any]:
        """The Auth0 Management API user object."""
        identities = [
            {
                "provider": i["provider"],
                "user_id": i["user_id"],
                "connection": i["connection"],
                "isSocial": bool(i["is_social"]),
                **({"profileData": json.loads(i["profile_data"])} if i["profile_data"] else {}),
            }
            for i in self.state.storage.exec("SELECT * FROM identities ORDER BY rowid")
        ]
        return {
            "user_id": row["user_id"],
            "email": row["email"],
            "email_verified": bool(row["email_verified"]),
            "name": row["name"],
            "nickname": row["nickname"],
            "picture": row["picture"],
            "identities": identities,
            "app_metadata": from_json_column(row["app_metadata"], {}),
            "user_metadata": from_json_column(row["user_metadata"], {}),
            "blocked": bool(row["blocked"]),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }

    def _record(self, event: str, row: dict[str, Any]) -> None:
        """Put the change's event in the outbox, in the same synchronous step as the change."""
        body = {
            "type": event,
            "tenant_id": row["tenant_id"],
            "user_id": row["user_id"],
            "version": row["version"],
            "user": self._user_json(row),
        }
        self.state.storage.exec(
            "INSERT OR REPLACE INTO outbox (version, event) VALUES (?, ?)",
            row["version"],
            json.dumps(body, separators=(",", ":")),
        )

    async def _flush_outbox(self) -> None:
        """Send pending events to USER_EVENTS; if the queue fails, the alarm tries again.

        On Workers a failed send does not undo the change already written, so the event must
        outlive the call; the consumer's version check makes a re-send harmless.
        """
        for pending in self.state.storage.exec("SELECT version, event FROM outbox ORDER BY version"):
            try:
                await self.env.user_events.send(json.loads(pending["event"]))
            except Exception:
                await self.state.storage.set_alarm(int(self.env.clock() * 1000) + OUTBOX_RETRY_MS)
                return
            self.state.storage.exec("DELETE FROM outbox WHERE version = ?", pending["version"])

    async def create_user(
        self, tenant_id: str, email: str, connection: str, password_hash: str
    ) -> dict[str, Any]:
        """Atomic: of two signups with one email, exactly one creates the user."""
        existing = self._row()
        if existing is not None:
            return {"created": False, "user": self._user_json(existing)}
        now = iso_now(self.env.clock())
        local_id = self.state.id
        self.state.storage.exec(
            "INSERT INTO user (singleton, tenant_id, user_id, email, name, nickname, picture,"
            " created_at, updated_at, version) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            tenant_id,
            f"auth0|{local_id}",
            email,
            email,
            email.split("@", 1)[0],
            gravatar(email),
            now,
            now,
        )
        self.state.storage.exec(
            "INSERT INTO identities (provider, user_id, connection, is_social) VALUES (?, ?, ?, 0)",
            "auth0",
            local_id,
            connection,
        )
        self.state.storage.exec(
            "INSERT INTO credentials (kind, secret, updated_at) VALUES ('password', ?, ?)",
            password_hash,
            now,
        )
        row = self._row()
        assert row is not None
        self._record("user.created", row)
        await self._flush_outbox()
        return {"created": True, "user": self._user_json(row)}

    async def get_user(self) -> dict[str, Any] | None:
        row = self._row()
        return None if row is None else self._user_json(row)

    def _now(self) -> int:
        return int(self.env.clock())

    def _record_login(self, now: int) -> None:
        self.state.storage.exec(
            "INSERT INTO login_stats (singleton, logins_count, last_login) VALUES (1, 1, ?)"
            " ON CONFLICT (singleton) DO UPDATE SET logins_count = logins_count + 1,"
            " last_login = excluded.last_login",
            iso_now(now),
        )

    def _grant(self, session: dict[str, Any], request: dict[str, Any] | None) -> dict[str, Any]:
        """What the Worker needs after an authentication: the user, the session, maybe a code."""
        row = self._row()
        assert row is not None
        result: dict[str, Any] = {"user": self._user_json(row), "sid": session["sid"]}
        result["auth_time"] = session["auth_time"]
        if request is not None:
            result["code"] = codes.issue_code(
                self.state.storage,
                self.state.id,
                request,
                session["sid"],
                session["auth_time"],
                self._now(),
            )
        return result

    async def login_with_password(
        self, password: str, request: dict[str, Any] | None, ip: str = ""
    ) -> dict[str, Any]:
        """Check the password (Auth0 database connection); on success a new SSO session and,
        for an authorization request, its code. Weaker hashes are upgraded here."""
        row = self._row()
        if row is None:
            return {"error": "invalid_user_password", "message": WRONG_CREDENTIALS}
        if row["blocked"]:
            return {"error": "unauthorized", "message": "user is blocked"}
        now = self._now()
        if brute_force.is_locked(self.state.storage, ip, now):
            return {
                "error": "too_many_attempts",
                "message": "Your account has been blocked after multiple consecutive login attempts.",
            }
        stored = self.state.storage.exec("SELECT secret FROM credentials WHERE kind = 'password'")
        if not stored or not await verify_password(self.env.crypto, password, stored[0]["secret"]):
            brute_force.record_failure(self.state.storage, ip, now)
            return {"error": "invalid_user_password", "message": WRONG_CREDENTIALS}
        if needs_rehash(stored[0]["secret"]):
            upgraded = await hash_password(self.env.crypto, password)
            self.state.storage.exec(
                "UPDATE credentials SET secret = ?, updated_at = ? WHERE kind = 'password'",
                upgraded,
                iso_now(now),
            )
        brute_force.clear(self.state.storage, ip)
        self._record_login(now)
        session = sessions.create_session(self.state.storage, self.state.id, now)
        return {**self._grant(session, request), "session_token": session["token"]}

    async def authorize_with_session(
        self, secret: str, request: dict[str, Any], max_age: int | None
    ) -> dict[str, Any]:
        """SSO: a code for a live session, unless `max_age` asks for a fresher login."""
        now = self._now()
        session = sessions.find_session(self.state.storage, secret, now)
        row = self._row()
        if session is None or row is None or row["blocked"]:
            return {"error": "login_required"}
        if max_age is not None and now - session["auth_time"] >= max_age:  # max_age=0: always
            return {"error": "login_required", "stale": True}
        return self._grant(session, request)

    async def redeem_code(
        self, secret: str, client_id: str, redirect_uri: str, code_verifier: str, refresh_allowed: bool
    ) -> dict[str, Any]:
        """Exchange a code once (RFC 6749 §4.1.3); a second use revokes the refresh tokens the
        first one issued (§4.1.2). With `offline_access` asked for and the client allowed
        refresh tokens, a refresh token starts the code's family."""
        now = self._now()
        result = codes.redeem_code(self.state.storage, secret, client_id, redirect_uri, code_verifier, now)
        if "reused_family" in result:
            refresh_tokens.revoke_family(self.state.storage, result.pop("reused_family"))
        row = self._row()
        if "error" in result or row is None:
            return result if "error" in result else {"error": "Invalid authorization code"}
        if row["blocked"]:
            return {"error": "user is blocked"}
        if refresh_allowed and "offline_access" in result["request"]["scope"].split():
            result["refresh_token"] = refresh_tokens.issue_refresh_token(
                self.state.storage,
                self.state.id,
                family=result["family"],
                request=result["request"],
                sid=result["sid"],
                auth_time=result["auth_time"],
                now=now,
            )
        del result["family"]
        return {**result, "user": self._user_json(row)}

    async def refresh(self, secret: str, client_id: str, scope: str) -> dict[str, Any]:
        """Rotate a refresh token (`grant_type=refresh_token`), optionally narrowing its scope."""
        result = refresh_tokens.rotate(
            self.state.storage, self.state.id, secret, client_id, scope, self._now()
        )
        row = self._row()
        if "error" in result or row is None:
            return result if "error" in result else {"error": refresh_tokens.INVALID}
        if row["blocked"]:
            return {"error": "user is blocked"}
        return {**result, "user": self._user_json(row)}

    async def revoke_refresh_token(self, secret: str, client_id: str) -> bool:
        return refresh_tokens.revoke(self.state.storage, secret, client_id)

    async def end_session(self, secret: str) -> str | None:
        """Logout: delete the cookie's session; returns its `sid`."""
        return sessions.end_session(self.state.storage, secret)

    async def alarm(self) -> None:
        """Re-send events a failed queue send left in the outbox."""
        await self._flush_outbox()
