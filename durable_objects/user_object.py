"""UserObject: one Durable Object per user holds the profile, identities and credentials.

The same class runs on Cloudflare (wrapped as a `workers.DurableObject` by
`edgeauth.runtime.cloudflare.worker`) and in the local runtime. Every change bumps the user's
`version` and sends an event to the USER_EVENTS queue, which keeps D1's copy up to date.

Every RPC method takes the caller's *reach* first (its tenant, and the name, user id or token it
came by); the decorators of `durable_objects.user.routing` admit the call for this object's own
tenant only, route a name to the object that holds it now, and pass the method its tenant id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from typing import Any, ClassVar

from durable_objects.user import (
    brute_force,
    codes,
    identities,
    names,
    one_time,
    refresh_tokens,
    sessions,
)
from durable_objects.user.routing import answers_to, by_name, by_token, by_user_id, naming, still_held
from edgeauth.platform import Platform
from edgeauth.ports import ObjectState
from edgeauth.rows import from_json_column, iso_now, to_json_column
from edgeauth.users import completion
from edgeauth.users.objects import UserObjects
from edgeauth.users.opaque import digest
from edgeauth.users.passwords import hash_password, needs_rehash, verify_dummy, verify_password
from edgeauth.users.profile import ATTRIBUTES, COLUMNS, METADATA, merge_metadata

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
    identities.SCHEMA,
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
    # Optional Auth0 profile values (given_name, family_name, username) and the last login's IP.
    """CREATE TABLE IF NOT EXISTS attributes (
        field TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    *brute_force.SCHEMA,
    sessions.SCHEMA,
    codes.SCHEMA,
    *one_time.SCHEMA,
    refresh_tokens.SCHEMA,
    # Transactional outbox: events are written with the change, sent after it, deleted once sent.
    """CREATE TABLE IF NOT EXISTS outbox (
        version INTEGER PRIMARY KEY,
        event   TEXT NOT NULL
    )""",
    # After a delete, the last version: a user created again in this object continues from it,
    # so D1 never ignores the new user as older than the deleted one.
    """CREATE TABLE IF NOT EXISTS tombstone (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        version   INTEGER NOT NULL
    )""",
)
# What deleting the user wipes: the user's own data; the object's name, the outbox (still to be
# sent) and the tombstone stay.
USER_DATA_TABLES = tuple(
    name
    for statement in SCHEMA
    for name in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", statement)
    if name not in ("outbox", "tombstone")
)
OUTBOX_RETRY_MS = 5_000
WRONG_CREDENTIALS = {"error": "invalid_user_password", "message": "Wrong email or password."}
WRONG_CODE = {"error": "invalid_grant", "message": "Wrong email or verification code."}
INVALID_LINK = {"error": "invalid_link", "message": "The link is invalid or has expired."}
BLOCKED = {"error": "unauthorized", "message": "user is blocked"}
TOO_MANY_ATTEMPTS = {
    "error": "too_many_attempts",
    "message": "Your account has been blocked after multiple consecutive login attempts.",
}
NOT_A_USER = {"error": "inexistent_user"}
NO_SNAPSHOT = {"version": 0, "user": None}
EMAIL_CONNECTION = "email"
# The per-creation part of a user id: a user created again in the same object gets a new id.
CREATION_HEX = 8


def _identity(data: dict[str, Any]) -> identities.Identity:
    return identities.Identity(
        data["provider"],
        data["user_id"],
        data["connection"],
        bool(data["is_social"]),
        data.get("profile_data") or {},
    )


def gravatar(email: str) -> str:
    """Auth0's default `picture` for database users."""
    digest = hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()
    return f"https://s.gravatar.com/avatar/{digest}?s=480&r=pg&d=mp"


class UserObject:
    """RPC surface of a user's Durable Object; each call runs alone (the input gate)."""

    RPC_METHODS: ClassVar[tuple[str, ...]] = (
        "create_user",
        "email_snapshot",
        "snapshot",
        "update_user",
        "delete_user",
        "claim_name",
        "release_name",
        "login_with_password",
        "authorize_with_session",
        "redeem_code",
        "refresh",
        "revoke_refresh_token",
        "end_session",
        "start_passwordless",
        "login_with_email_code",
        "login_with_magic_link",
        "redeem_login_ticket",
        "start_password_reset",
        "reset_password",
        "start_email_verification",
        "verify_email",
        "login_with_identity",
        "join_by_email",
        "linkable_identities",
        "point_to",
        "link_identities",
        "unlink_identity",
        "restore_unlinked",
    )

    def __init__(self, state: ObjectState, env: Platform) -> None:
        self.state = state
        self.env = env
        for statement in (*SCHEMA, names.SCHEMA):
            state.storage.exec(statement)

    def _row(self) -> dict[str, Any] | None:
        rows = self.state.storage.exec("SELECT * FROM user WHERE singleton = 1")
        return rows[0] if rows else None

    def _user(self) -> dict[str, Any]:
        """The user row of a method that is only admitted when there is one."""
        row = self._row()
        assert row is not None
        return row

    def _now(self) -> int:
        return int(self.env.clock())

    def _user_json(self, row: dict[str, Any]) -> dict[str, Any]:
        """The Auth0 Management API user object."""
        return {
            "user_id": row["user_id"],
            "email": row["email"],
            "email_verified": bool(row["email_verified"]),
            "name": row["name"],
            "nickname": row["nickname"],
            "picture": row["picture"],
            **self._attributes(),
            "identities": identities.identities_json(self.state.storage),
            "app_metadata": from_json_column(row["app_metadata"], {}),
            "user_metadata": from_json_column(row["user_metadata"], {}),
            "blocked": bool(row["blocked"]),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            **self._login_stats(),
        }

    def _attributes(self) -> dict[str, str]:
        """The optional profile values that are set (Auth0 omits the others)."""
        rows = self.state.storage.exec("SELECT field, value FROM attributes ORDER BY field")
        return {r["field"]: r["value"] for r in rows if r["field"] in ATTRIBUTES}

    def _login_stats(self) -> dict[str, Any]:
        """`logins_count`, `last_login` and `last_ip` once the user has logged in."""
        rows = self.state.storage.exec("SELECT logins_count, last_login FROM login_stats")
        if not rows:
            return {}
        ip = self.state.storage.exec("SELECT value FROM attributes WHERE field = 'last_ip'")
        return {**rows[0], **({"last_ip": ip[0]["value"]} if ip else {})}

    def _set_attributes(self, values: dict[str, Any]) -> None:
        """Store the given optional values; `None` removes one."""
        for field, value in values.items():
            if value is None:
                self.state.storage.exec("DELETE FROM attributes WHERE field = ?", field)
            else:
                self.state.storage.exec(
                    "INSERT OR REPLACE INTO attributes (field, value) VALUES (?, ?)", field, str(value)
                )

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

    def _next_version(self) -> int:
        """1 for a new object; after a delete, one past the deleted user's last version."""
        rows = self.state.storage.exec("SELECT version FROM tombstone")
        return rows[0]["version"] + 1 if rows else 1

    async def _committed(self, event: str) -> dict[str, Any]:
        """Record the change just written as `event`, send it, and return the user."""
        row = self._user()
        self._record(event, row)
        await self._flush_outbox()
        return self._user_json(row)

    def _new_user_id(self, provider: str) -> str:
        """`{provider}|{object id}{creation}`: routable by its object id, and never given twice
        (OIDC Core §2: a `sub` is never reassigned)."""
        return f"{provider}|{self.state.id}{secrets.token_hex(CREATION_HEX // 2)}"

    def _insert_user(
        self,
        tenant_id: str,
        user_id: str,
        email: str | None,
        profile: dict[str, Any],
        identity: identities.Identity,
    ) -> None:
        """Write a new user `user_id` whose first identity is `identity`."""
        now = iso_now(self.env.clock())
        columns = {
            "email_verified": int(bool(profile.get("email_verified"))),
            "name": profile.get("name") or email,
            "nickname": profile.get("nickname") or (email or "").split("@", 1)[0] or None,
            "picture": profile.get("picture") or (gravatar(email) if email else None),
            "blocked": int(bool(profile.get("blocked"))),
            **{key: to_json_column(profile.get(key) or {}) for key in METADATA},
        }
        self.state.storage.exec(
            f"INSERT INTO user (singleton, tenant_id, user_id, email, {', '.join(columns)},"  # noqa: S608
            f" created_at, updated_at, version) VALUES (1, ?, ?, ?, {', '.join('?' * len(columns))},"
            " ?, ?, ?)",
            tenant_id,
            user_id,
            email,
            *columns.values(),
            now,
            now,
            self._next_version(),
        )
        self._set_attributes({key: profile[key] for key in ATTRIBUTES if profile.get(key) is not None})
        identities.add_identity(self.state.storage, identity)

    def _insert_own_user(
        self, tenant_id: str, provider: str, connection: str, email: str | None, profile: dict[str, Any]
    ) -> None:
        """A new user of the `auth0` or `email` provider: its identity's id is the user id's tail."""
        user_id = self._new_user_id(provider)
        identity = identities.Identity(provider, user_id.partition("|")[2], connection, is_social=False)
        self._insert_user(tenant_id, user_id, email, profile, identity)

    # --- profile (Management API) ----------------------------------------------------------------

    @by_name({"created": False, "user": None}, creates=True)
    async def create_user(
        self,
        tenant_id: str,
        connection: str,
        password_hash: str,
        profile: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Atomic: of two signups with one email, exactly one creates the user.

        `profile`: Auth0 `POST /users` values (`name`, `given_name`, `app_metadata`, `blocked`...)."""
        existing = self._row()
        if existing is not None:
            return {"created": False, "user": self._user_json(existing)}
        email = names.read_email(self.state.storage)
        self._insert_own_user(tenant_id, "auth0", connection, email, profile or {})
        self.state.storage.exec(
            "INSERT INTO credentials (kind, secret, updated_at) VALUES ('password', ?, ?)",
            password_hash,
            iso_now(self.env.clock()),
        )
        return {"created": True, "user": await self._committed("user.created")}

    @by_name(NO_SNAPSHOT)
    async def email_snapshot(self, tenant_id: str) -> dict[str, Any]:
        """The user who has this email now (`users-by-email`, signup checks)."""
        row = self._row()
        return {"version": row["version"], "user": self._user_json(row)} if row else dict(NO_SNAPSHOT)

    @by_user_id(NO_SNAPSHOT)
    async def snapshot(self, tenant_id: str) -> dict[str, Any]:
        """The user and its version (Management API reads, reconcile)."""
        row = self._user()
        return {"version": row["version"], "user": self._user_json(row)}

    @by_user_id(None)
    async def update_user(self, tenant_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Auth0 `PATCH /users/{id}`: root attributes replaced, metadata merged one level deep
        (`null` removes a key); `password_hash` replaces the password. A new password, a block or
        a new email ends every session and revokes every refresh token (incident response)."""
        row = self._user()
        now = iso_now(self.env.clock())
        values: dict[str, Any] = {key: changes[key] for key in (*COLUMNS, "email") if key in changes}
        values.update(
            {
                key: to_json_column(merge_metadata(from_json_column(row[key], {}), changes[key] or {}))
                for key in METADATA
                if key in changes
            }
        )
        values = {key: int(v) if isinstance(v, bool) else v for key, v in values.items()}
        assignments = "".join(f"{column} = ?, " for column in values)
        self.state.storage.exec(
            f"UPDATE user SET {assignments}updated_at = ?, version = version + 1",  # noqa: S608
            *values.values(),
            now,
        )
        self._set_attributes({key: changes[key] for key in ATTRIBUTES if key in changes})
        if changes.get("password_hash"):
            self.state.storage.exec(
                "INSERT OR REPLACE INTO credentials (kind, secret, updated_at) VALUES ('password', ?, ?)",
                changes["password_hash"],
                now,
            )
        email_changed = values.get("email", row["email"]) != row["email"]
        if changes.get("password_hash") or values.get("blocked") or email_changed:
            self._sign_out_everywhere()
        return await self._committed("user.updated")

    @by_user_id(False)
    async def delete_user(self, tenant_id: str) -> bool:
        """Auth0 `DELETE /users/{id}`: profile, credentials, sessions and tokens all go; the
        `user.deleted` event (one version on) stays in the outbox until it is sent."""
        row = self._user()
        deleted = {**row, "version": row["version"] + 1}
        self._record("user.deleted", deleted)
        for table in USER_DATA_TABLES:
            self.state.storage.exec(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
        self.state.storage.exec(
            "INSERT OR REPLACE INTO tombstone (singleton, version) VALUES (1, ?)", deleted["version"]
        )
        await self._flush_outbox()
        return True

    # --- the name: email changes and linked identities -------------------------------------------

    @naming(False)
    async def claim_name(self, tenant_id: str, target_id: str) -> bool:
        """An email change: this email reaches the user of object `target_id` from now on; False
        when another user has it. (`target_id` may be this object: its user takes its name back.)"""
        row = self._row()
        if row is not None and row["email"] == names.read_email(self.state.storage):
            return target_id == self.state.id
        name = names.read(self.state.storage)
        assert name is not None  # recorded by `naming`
        if name.holder not in (None, target_id) and await still_held(self, name, tenant_id):
            return False
        names.set_holder(self.state.storage, None if target_id == self.state.id else target_id, self._now())
        return True

    @naming(None)
    async def release_name(self, tenant_id: str, target_id: str) -> None:
        """The user of `target_id` no longer has this email."""
        names.release_holder(self.state.storage, target_id)

    @naming(None)
    async def point_to(self, tenant_id: str, target_id: str) -> None:
        """An identity's own object now routes its logins to the user `target_id` holds."""
        names.set_holder(self.state.storage, target_id, 0)

    # --- logins ----------------------------------------------------------------------------------

    async def _record_login(self, ip: str) -> None:
        """Auth0 `logins_count`, `last_login`, `last_ip`; a `user.login` event for D1's copy."""
        self.state.storage.exec(
            "INSERT INTO login_stats (singleton, logins_count, last_login) VALUES (1, 1, ?)"
            " ON CONFLICT (singleton) DO UPDATE SET logins_count = logins_count + 1,"
            " last_login = excluded.last_login",
            iso_now(self.env.clock()),
        )
        self._set_attributes({"last_ip": ip or None})
        self.state.storage.exec("UPDATE user SET version = version + 1")
        await self._committed("user.login")

    def _grant(self, session: dict[str, Any], request: dict[str, Any] | None) -> dict[str, Any]:
        """What the Worker needs after an authentication: the user, the session, maybe a code."""
        result: dict[str, Any] = {"user": self._user_json(self._user()), "sid": session["sid"]}
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

    def _finish(self, finish: dict[str, Any] | None) -> dict[str, Any]:
        """After a successful login, what `finish` asks for (edgeauth.users.completion)."""
        row = self._user()
        finish = finish or {"kind": "session", "request": None}
        now = self._now()
        if finish["kind"] == "ticket":
            payload = {
                "tenant_id": row["tenant_id"],
                "client_id": finish["client_id"],
                "verifier_digest": finish["verifier_digest"],
            }
            ticket = one_time.issue_token(self.state.storage, self.state.id, "login_ticket", payload, now)
            return {"user": self._user_json(row), "login_ticket": ticket}
        if finish["kind"] == "tokens":
            return self._direct_grant(finish["request"], finish["refresh_allowed"], now)
        session = sessions.create_session(self.state.storage, self.state.id, now)
        return {**self._grant(session, finish["request"]), "session_token": session["token"]}

    def _direct_grant(self, request: dict[str, Any], refresh_allowed: bool, now: int) -> dict[str, Any]:
        """Token endpoint grants: no SSO session (`sid` empty), a refresh token for offline access."""
        result: dict[str, Any] = {"user": self._user_json(self._user()), "sid": "", "auth_time": now}
        result["request"] = request
        if refresh_allowed and "offline_access" in request["scope"].split():
            result["refresh_token"] = refresh_tokens.issue_refresh_token(
                self.state.storage,
                self.state.id,
                family=secrets.token_hex(16),
                request=request,
                sid="",
                auth_time=now,
                now=now,
            )
        return result

    def _sign_out_everywhere(self) -> None:
        sessions.end_all_sessions(self.state.storage)
        refresh_tokens.revoke_all(self.state.storage)

    @by_name(WRONG_CREDENTIALS)
    async def login_with_password(
        self, tenant_id: str, password: str, finish: dict[str, Any] | None, ip: str = ""
    ) -> dict[str, Any]:
        """Check the password (Auth0 database connection); on success what `finish` asks for.
        Weaker hashes are upgraded here. No user or no password costs one hash all the same, so
        the answer's timing does not tell whether the email has an account."""
        row = self._row()
        stored = self.state.storage.exec("SELECT secret FROM credentials WHERE kind = 'password'")
        if row is None or not stored:
            await verify_dummy(self.env.crypto, password)
            return dict(WRONG_CREDENTIALS)
        if row["blocked"]:
            return dict(BLOCKED)
        now = self._now()
        if brute_force.is_locked(self.state.storage, ip, now):
            return dict(TOO_MANY_ATTEMPTS)
        if not await verify_password(self.env.crypto, password, stored[0]["secret"]):
            brute_force.record_failure(self.state.storage, ip, now)
            return dict(WRONG_CREDENTIALS)
        if needs_rehash(stored[0]["secret"]):
            upgraded = await hash_password(self.env.crypto, password)
            self.state.storage.exec(
                "UPDATE credentials SET secret = ?, updated_at = ? WHERE kind = 'password'",
                upgraded,
                iso_now(now),
            )
        brute_force.record_success(self.state.storage, ip, now)
        await self._record_login(ip)
        return self._finish(finish)

    @by_token({"error": "login_required"})
    async def authorize_with_session(
        self,
        tenant_id: str,
        secret: str,
        request: dict[str, Any],
        max_age: int | None,
        lifetimes: sessions.Lifetimes,
    ) -> dict[str, Any]:
        """SSO: a code for a live session, unless `max_age` asks for a fresher login."""
        now = self._now()
        session = sessions.find_session(self.state.storage, secret, now, lifetimes)
        row = self._row()
        if session is None or row is None or row["blocked"]:
            return {"error": "login_required"}
        if max_age is not None and now - session["auth_time"] >= max_age:  # max_age=0: always
            return {"error": "login_required", "stale": True}
        return self._grant(session, request)

    @by_token({"error": "Invalid authorization code"})
    async def redeem_code(
        self,
        tenant_id: str,
        secret: str,
        client_id: str,
        redirect_uri: str,
        code_verifier: str,
        refresh_allowed: bool,
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

    @by_token({"error": refresh_tokens.INVALID})
    async def refresh(self, tenant_id: str, secret: str, client_id: str, scope: str) -> dict[str, Any]:
        """Rotate a refresh token (`grant_type=refresh_token`), optionally narrowing its scope. A
        blocked user's token is refused without being spent (it works again once unblocked)."""
        row = self._row()
        if row is None:
            return {"error": refresh_tokens.INVALID}
        if row["blocked"]:
            return {"error": "user is blocked"}
        result = refresh_tokens.rotate(
            self.state.storage, self.state.id, secret, client_id, scope, self._now()
        )
        return result if "error" in result else {**result, "user": self._user_json(row)}

    @by_token(False)
    async def revoke_refresh_token(self, tenant_id: str, secret: str, client_id: str) -> bool:
        return refresh_tokens.revoke(self.state.storage, secret, client_id)

    @by_token(None)
    async def end_session(self, tenant_id: str, secret: str) -> str | None:
        """Logout: delete the cookie's session; the user's id when a session ended (Auth0 `slo`)."""
        row = self._row()
        if sessions.end_session(self.state.storage, secret) is None or row is None:
            return None
        return row["user_id"]

    # --- passwordless (Auth0 `email` connection) --------------------------------------------------

    @by_name({}, creates=True)
    async def start_passwordless(
        self, tenant_id: str, send: str, request: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Auth0 `/passwordless/start`: a new email code (`send=code`) or a magic link carrying the
        authorization request; the user need not exist yet (the first login signs up)."""
        email = names.read_email(self.state.storage) if self._row() is None else self._user()["email"]
        payload = {"tenant_id": tenant_id, "email": email, "request": request}
        now = self._now()
        if send == "link":
            return {
                "link": one_time.issue_token(self.state.storage, self.state.id, "magic_link", payload, now)
            }
        return {"code": one_time.issue_code(self.state.storage, self.state.id, payload, now)}

    @by_name(WRONG_CODE)
    async def login_with_email_code(
        self, tenant_id: str, code: str, finish: dict[str, Any] | None, ip: str = ""
    ) -> dict[str, Any]:
        """Auth0 passwordless OTP: the last code sent, once, within its lifetime; wrong tries burn
        the code (one_time.spend_code), never the owner's next one."""
        payload = one_time.spend_code(self.state.storage, self.state.id, code, self._now())
        if payload is None or payload["tenant_id"] != tenant_id:
            return dict(WRONG_CODE)
        return await self._passwordless_login(tenant_id, payload["email"], finish, ip)

    @by_token(INVALID_LINK)
    async def login_with_magic_link(self, tenant_id: str, secret: str, ip: str = "") -> dict[str, Any]:
        """Auth0 magic link (`/passwordless/verify_redirect`): once; finishes the request it carries,
        if the address it was sent to still reaches this object."""
        payload = one_time.spend_token(self.state.storage, "magic_link", secret, tenant_id, self._now())
        if payload is None or not answers_to(self, names.EMAIL + payload["email"]):
            return dict(INVALID_LINK)
        finish = completion.browser_session(payload["request"])
        grant = await self._passwordless_login(tenant_id, payload["email"], finish, ip)
        return {**grant, "request": payload["request"]}

    async def _passwordless_login(
        self, tenant_id: str, email: str, finish: dict[str, Any] | None, ip: str
    ) -> dict[str, Any]:
        """The email is proven: sign the user up on first use (Auth0 `email` connection), else
        attach the `email` identity and mark that email verified."""
        row = self._row()
        if row is None:
            self._insert_own_user(
                tenant_id, EMAIL_CONNECTION, EMAIL_CONNECTION, email, {"email_verified": True}
            )
            await self._committed("user.created")
        elif row["blocked"]:
            return dict(BLOCKED)
        elif row["email"] != email:
            return dict(WRONG_CODE)
        else:
            self._claim_email(row)
        await self._record_login(ip)
        return self._finish(finish)

    def _claim_email(self, row: dict[str, Any]) -> None:
        """Proof of the email joins the `email` identity to its user. If that user's email was never
        verified, whoever set its password or holds its sessions did not prove the email: the password
        is dropped and every session and refresh token revoked (docs/decisions.md)."""
        if not any(i["provider"] == EMAIL_CONNECTION for i in identities.identities_json(self.state.storage)):
            identities.add_identity(
                self.state.storage,
                identities.Identity(
                    EMAIL_CONNECTION, row["user_id"].partition("|")[2], EMAIL_CONNECTION, is_social=False
                ),
            )
        if not row["email_verified"]:
            self.state.storage.exec("DELETE FROM credentials WHERE kind = 'password'")
            self._sign_out_everywhere()
            self.state.storage.exec("UPDATE user SET email_verified = 1")

    @by_token({"error": "invalid_ticket"})
    async def redeem_login_ticket(
        self, tenant_id: str, secret: str, client_id: str, request: dict[str, Any], verifier: str
    ) -> dict[str, Any]:
        """`/authorize?login_ticket=` (auth0.js embedded login): the ticket once, by its client, in
        the browser that asked for it (its `co_verifier`, Auth0's cross-origin verification); a
        wrong or missing verifier leaves the ticket for the verification fallback."""
        now = self._now()
        valid = one_time.peek_token(self.state.storage, "login_ticket", secret, tenant_id, now)
        if valid is None or valid["client_id"] != client_id:
            return {"error": "invalid_ticket"}
        proven = hmac.compare_digest(valid.get("verifier_digest", ""), digest(verifier))
        if not proven:
            return {"error": "unverified_browser"}
        payload = one_time.spend_token(self.state.storage, "login_ticket", secret, tenant_id, now)
        row = self._row()
        if payload is None or row is None:
            return {"error": "invalid_ticket"}
        if row["blocked"]:
            return dict(BLOCKED)
        return self._finish(completion.browser_session(request))

    # --- emailed tickets: password reset, email verification -------------------------------------

    @by_name(None)
    async def start_password_reset(self, tenant_id: str) -> str | None:
        """A reset ticket when this email's database user exists (`/dbconnections/change_password`);
        it is bound to the email it is sent to."""
        row = self._row()
        has_password = self.state.storage.exec("SELECT 1 FROM credentials WHERE kind = 'password'")
        if row is None or not has_password:
            return None
        payload = {"tenant_id": tenant_id, "email": row["email"]}
        return one_time.issue_token(self.state.storage, self.state.id, "password_reset", payload, self._now())

    @by_token(None)
    async def reset_password(self, tenant_id: str, secret: str, password_hash: str) -> dict[str, Any] | None:
        """Spend the reset ticket: the new password, the email verified (the link proved it), and
        every session and refresh token revoked (Auth0 revokes them on a password change). A ticket
        sent to an email the user no longer has does nothing."""
        payload = one_time.spend_token(self.state.storage, "password_reset", secret, tenant_id, self._now())
        row = self._row()
        if payload is None or row is None or row["email"] != payload.get("email"):
            return None
        self.state.storage.exec(
            "UPDATE credentials SET secret = ?, updated_at = ? WHERE kind = 'password'",
            password_hash,
            iso_now(self.env.clock()),
        )
        self._sign_out_everywhere()
        self.state.storage.exec("UPDATE user SET email_verified = 1, version = version + 1")
        return await self._committed("user.updated")

    @by_user_id(None)
    async def start_email_verification(self, tenant_id: str) -> str | None:
        """A verification ticket for the user's current, unverified email."""
        row = self._user()
        if row["email_verified"]:
            return None
        payload = {"tenant_id": tenant_id, "email": row["email"]}
        return one_time.issue_token(
            self.state.storage, self.state.id, "email_verification", payload, self._now()
        )

    @by_token(None)
    async def verify_email(self, tenant_id: str, secret: str) -> dict[str, Any] | None:
        """Spend the ticket; `email_verified` flips if the user still has the email it was sent to."""
        payload = one_time.spend_token(
            self.state.storage, "email_verification", secret, tenant_id, self._now()
        )
        row = self._row()
        if payload is None or row is None or row["email"] != payload["email"]:
            return None
        self.state.storage.exec("UPDATE user SET email_verified = 1, version = version + 1")
        return await self._committed("user.updated")

    # --- federated identities (enterprise and social connections) --------------------------------

    @by_name({"error": "invalid_request", "message": "The account cannot be used here."})
    async def login_with_identity(
        self,
        tenant_id: str,
        identity: dict[str, Any],
        profile: dict[str, Any],
        finish: dict[str, Any] | None,
        ip: str = "",
    ) -> dict[str, Any]:
        """A federated login, on the identity's own object (or, routed, on the user it joined).

        A returning identity signs in. A new one with a verified email joins the user who has that
        email now, or becomes it (docs/architecture.md: one user per verified email); an unverified or missing
        email never joins anyone: the user lives here, on its own."""
        row = self._row()
        if row is not None:
            return await self._sign_in_identity(row, identity, finish, ip)
        email = profile.get("email")
        if email and profile.get("email_verified"):
            owner = UserObjects(self.env, tenant_id).by_email(email)
            result = await owner.join_by_email(identity, profile, finish, ip)
            if "object_id" in result:
                names.set_holder(self.state.storage, result.pop("object_id"), 0)
                return result
            if result.get("error") != "unverified_owner":
                return result
        return await self._sign_up_identity(tenant_id, email, profile, identity, finish, ip)

    @by_name({"error": "unverified_owner"}, creates=True)
    async def join_by_email(
        self,
        tenant_id: str,
        identity: dict[str, Any],
        profile: dict[str, Any],
        finish: dict[str, Any] | None,
        ip: str = "",
    ) -> dict[str, Any]:
        """Where a verified email is held: its user gains the identity if that user's email is
        verified too (account-takeover guard: `unverified_owner` otherwise); no user yet, the
        identity's user is created here. The answer names this object (`object_id`)."""
        row = self._row()
        if row is None:
            result = await self._sign_up_identity(tenant_id, profile["email"], profile, identity, finish, ip)
        elif not row["email_verified"]:
            return {"error": "unverified_owner"}
        else:
            result = await self._sign_in_identity(row, identity, finish, ip)
        return result if "error" in result else {**result, "object_id": self.state.id}

    async def _sign_in_identity(
        self, row: dict[str, Any], identity: dict[str, Any], finish: dict[str, Any] | None, ip: str
    ) -> dict[str, Any]:
        """Attach (or refresh the profile data of) the identity, then log the user in."""
        if row["blocked"]:
            return dict(BLOCKED)
        identities.add_identity(self.state.storage, _identity(identity))
        await self._record_login(ip)
        return self._finish(finish)

    async def _sign_up_identity(
        self,
        tenant_id: str,
        email: str | None,
        profile: dict[str, Any],
        identity: dict[str, Any],
        finish: dict[str, Any] | None,
        ip: str,
    ) -> dict[str, Any]:
        """A new user whose first identity is this one (`{provider}|{object id}{creation}`)."""
        first = _identity(identity)
        self._insert_user(tenant_id, self._new_user_id(first.provider), email, profile, first)
        await self._committed("user.created")
        await self._record_login(ip)
        return self._finish(finish)

    # --- linking and unlinking accounts (Management API) ----------------------------------------

    @by_user_id(NOT_A_USER)
    async def linkable_identities(self, tenant_id: str) -> dict[str, Any]:
        """Auth0 link, on the secondary account: its identities, if it may be linked. Only
        federated accounts (no password, no email identity) are secondaries here."""
        held = identities.identities_json(self.state.storage)
        has_password = self.state.storage.exec("SELECT 1 FROM credentials WHERE kind = 'password'")
        if has_password or any(i["provider"] == EMAIL_CONNECTION for i in held):
            return {"error": "unsupported_secondary"}
        return {"identities": held}

    @by_user_id(None)
    async def link_identities(self, tenant_id: str, linked: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Auth0 link, on the primary account: it gains the identities; its identities after."""
        for identity in linked:
            identities.add_identity(self.state.storage, identities.from_json(identity))
        self.state.storage.exec(
            "UPDATE user SET version = version + 1, updated_at = ?", iso_now(self.env.clock())
        )
        return (await self._committed("user.updated"))["identities"]

    @by_user_id(NOT_A_USER)
    async def unlink_identity(self, tenant_id: str, provider: str, user_id: str) -> dict[str, Any]:
        """Auth0 unlink: a secondary identity leaves the user (never the primary, the first)."""
        held = identities.identities_json(self.state.storage)
        found = next((i for i in held[1:] if i["provider"] == provider and i["user_id"] == user_id), None)
        if found is None:
            return {"error": "inexistent_identity"}
        identities.remove_identity(self.state.storage, provider, user_id)
        self.state.storage.exec(
            "UPDATE user SET version = version + 1, updated_at = ?", iso_now(self.env.clock())
        )
        remaining = (await self._committed("user.updated"))["identities"]
        return {"identities": remaining, "removed": found}

    @naming(None)
    async def restore_unlinked(self, tenant_id: str, identity: dict[str, Any]) -> None:
        """After an unlink, on the identity's own object: the identity is a user of its own again
        (Auth0), made from its profile data, so the next login does not link it back."""
        if self._row() is not None:
            return
        names.set_holder(self.state.storage, None, 0)
        restored = identities.from_json(identity)
        profile = dict(restored.profile_data)
        user_id = self._new_user_id(restored.provider)
        self._insert_user(tenant_id, user_id, profile.get("email"), profile, restored)
        await self._committed("user.created")

    async def alarm(self) -> None:
        """Re-send events a failed queue send left in the outbox."""
        await self._flush_outbox()
