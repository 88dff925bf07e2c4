"""The user row and what follows every change: its version, the outbox to USER_EVENTS (D1's copy),
login statistics, and signing the user out everywhere.

Every change bumps the user's `version` and writes its event to the outbox in the same synchronous
step; the event is sent after it and re-sent by the alarm if the send failed (docs/architecture.md,
"Storage and consistency").
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any

from durable_objects.user import (
    brute_force,
    codes,
    identities,
    known_devices,
    one_time,
    refresh_tokens,
    remembered,
    second_factors,
    security_keys,
    sessions,
)
from edgeauth.platform import Platform
from edgeauth.ports import ObjectState
from edgeauth.rows import from_json_column, iso_now, to_json_column
from edgeauth.users.answers import Created, Snapshot, UserJson
from edgeauth.users.imported_hashes import IMPORTED
from edgeauth.users.objects import UserObjects
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
    sessions.MFA_SCHEMA,
    codes.SCHEMA,
    *one_time.SCHEMA,
    refresh_tokens.SCHEMA,
    refresh_tokens.MFA_SCHEMA,
    second_factors.SCHEMA,
    second_factors.SENDS_SCHEMA,
    *security_keys.SCHEMA,
    remembered.SCHEMA,
    known_devices.SCHEMA,
    # Upstream refresh tokens (lazy migration) this user exchanged: each is taken once.
    """CREATE TABLE IF NOT EXISTS upstream_refresh_tokens (
        digest       TEXT PRIMARY KEY,
        exchanged_at INTEGER NOT NULL
    )""",
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
# What deleting the user wipes: the user's own data; the outbox (still to be sent) and the
# tombstone stay (and the object's name, which lives in its own table).
USER_DATA_TABLES = tuple(
    name
    for statement in SCHEMA
    for name in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", statement)
    if name not in ("outbox", "tombstone")
)
OUTBOX_RETRY_MS = 5_000
# An `attributes` field never shown in the user (only ATTRIBUTES are): which import row made it.
IMPORT_MARKER = "import_marker"
# The per-creation part of a user id: a user created again in the same object gets a new id.
CREATION_HEX = 8


def gravatar(email: str) -> str:
    """Auth0's default `picture` for database users."""
    digest = hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()
    return f"https://s.gravatar.com/avatar/{digest}?s=480&r=pg&d=mp"


class Profile:
    """The user of one object: its row, JSON, versions and outbox."""

    def __init__(self, state: ObjectState, env: Platform) -> None:
        self.state = state
        self.env = env
        self.storage = state.storage

    def row(self) -> dict[str, Any] | None:
        rows = self.storage.exec("SELECT * FROM user WHERE singleton = 1")
        return rows[0] if rows else None

    def user(self) -> dict[str, Any]:
        """The user row where the caller is only admitted when there is one."""
        row = self.row()
        assert row is not None
        return row

    def now(self) -> int:
        return int(self.env.clock())

    def has_password(self) -> bool:
        return bool(self.storage.exec("SELECT 1 FROM credentials WHERE kind = 'password'"))

    def password_hash(self) -> str | None:
        rows = self.storage.exec("SELECT secret FROM credentials WHERE kind = 'password'")
        return str(rows[0]["secret"]) if rows else None

    def imported_password_unused(self) -> bool:
        """No password, or one imported and not yet replaced by a login (Auth0's upsert may change
        `custom_password_hash` until the user has logged in with it)."""
        stored = self.password_hash()
        return stored is None or stored.startswith(IMPORTED)

    def set_password(self, password_hash: str) -> None:
        self.storage.exec(
            "INSERT OR REPLACE INTO credentials (kind, secret, updated_at) VALUES ('password', ?, ?)",
            password_hash,
            iso_now(self.env.clock()),
        )

    def user_json(self, row: dict[str, Any]) -> UserJson:
        """The Auth0 Management API user object."""
        return {
            "user_id": row["user_id"],
            "email": row["email"],
            "email_verified": bool(row["email_verified"]),
            "name": row["name"],
            "nickname": row["nickname"],
            "picture": row["picture"],
            **self._attributes(),
            "identities": identities.identities_json(self.storage),
            "app_metadata": from_json_column(row["app_metadata"], {}),
            "user_metadata": from_json_column(row["user_metadata"], {}),
            "blocked": bool(row["blocked"]),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            **self._login_stats(),
        }

    def _attributes(self) -> dict[str, str]:
        """The optional profile values that are set (Auth0 omits the others)."""
        rows = self.storage.exec("SELECT field, value FROM attributes ORDER BY field")
        return {r["field"]: r["value"] for r in rows if r["field"] in ATTRIBUTES}

    def _login_stats(self) -> dict[str, Any]:
        """`logins_count`, `last_login` and `last_ip` once the user has logged in."""
        rows = self.storage.exec("SELECT logins_count, last_login FROM login_stats")
        if not rows:
            return {}
        ip = self.storage.exec("SELECT value FROM attributes WHERE field = 'last_ip'")
        return {**rows[0], **({"last_ip": ip[0]["value"]} if ip else {})}

    def _set_attributes(self, values: dict[str, Any]) -> None:
        """Store the given optional values; `None` removes one."""
        for field, value in values.items():
            if value is None:
                self.storage.exec("DELETE FROM attributes WHERE field = ?", field)
            else:
                self.storage.exec(
                    "INSERT OR REPLACE INTO attributes (field, value) VALUES (?, ?)", field, str(value)
                )

    # --- the outbox ---------------------------------------------------------------------------------

    def _record(self, event: str, row: dict[str, Any]) -> None:
        """Put the change's event in the outbox, in the same synchronous step as the change."""
        body = {
            "type": event,
            "tenant_id": row["tenant_id"],
            "user_id": row["user_id"],
            "version": row["version"],
            "user": self.user_json(row),
        }
        self.storage.exec(
            "INSERT OR REPLACE INTO outbox (version, event) VALUES (?, ?)",
            row["version"],
            json.dumps(body, separators=(",", ":")),
        )

    async def flush_outbox(self) -> None:
        """Send pending events to USER_EVENTS; the alarm sends whatever is left.

        On Workers a failed send does not undo the change already written, so the event must
        outlive the call; the consumer's version check makes a re-send harmless. The alarm is set
        before the first send, in the same step as the change that wrote the event: a process that
        dies between the change and the send leaves the alarm to send it. It is this object's only
        alarm, so an emptied outbox deletes it.
        """
        pending = self.storage.exec("SELECT version, event FROM outbox ORDER BY version")
        if not pending:
            return
        await self.storage.set_alarm(int(self.env.clock() * 1000) + OUTBOX_RETRY_MS)
        for event in pending:
            try:
                await self.env.user_events.send(json.loads(event["event"]))
            except Exception:
                return  # the alarm tries again
            self.storage.exec("DELETE FROM outbox WHERE version = ?", event["version"])
        await self.storage.delete_alarm()

    def _next_version(self) -> int:
        """1 for a new object; after a delete, one past the deleted user's last version."""
        rows = self.storage.exec("SELECT version FROM tombstone")
        return int(rows[0]["version"]) + 1 if rows else 1

    async def committed(self, event: str) -> UserJson:
        """Record the change just written as `event`, send it, and return the user."""
        row = self.user()
        self._record(event, row)
        await self.flush_outbox()
        return self.user_json(row)

    async def bumped(self, event: str = "user.updated") -> UserJson:
        """A change to the user's data made elsewhere (identities, a verified email): a new version."""
        self.storage.exec("UPDATE user SET version = version + 1, updated_at = ?", iso_now(self.env.clock()))
        return await self.committed(event)

    # --- creating, changing, deleting -------------------------------------------------------------

    def new_user_id(self, provider: str) -> str:
        """`{provider}|{object id}{creation}`: routable by its object id, and never given twice
        (OIDC Core §2: a `sub` is never reassigned)."""
        return f"{provider}|{self.state.id}{secrets.token_hex(CREATION_HEX // 2)}"

    def insert(
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
        self.storage.exec(
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
        identities.add_identity(self.storage, identity)

    def insert_own(
        self,
        tenant_id: str,
        provider: str,
        connection: str,
        email: str | None,
        profile: dict[str, Any],
        user_id: str | None = None,
    ) -> None:
        """A new user of the `auth0` or `email` provider (a new id unless imported with one): its
        identity's id is the user id's tail."""
        user_id = user_id or self.new_user_id(provider)
        identity = identities.Identity(provider, user_id.partition("|")[2], connection, is_social=False)
        self.insert(tenant_id, user_id, email, profile, identity)

    async def create(
        self,
        tenant_id: str,
        email: str | None,
        connection: str,
        password_hash: str | None,
        profile: dict[str, Any] | None,
        user_id: str | None = None,
        marker: str = "",
    ) -> Created:
        """Atomic: of two signups with one email, exactly one creates the user. An imported
        `user_id` is claimed first (its alias points here), so no event ever carries an id another
        user has (`user` None: taken). An import's `marker` (job, part, row) is kept out of sight,
        so a retried part knows its own users."""
        if self.row() is None and user_id is not None:
            alias = UserObjects(self.env, tenant_id).by_alias(user_id)
            if not await alias.claim_for(self.state.id):
                return {"created": False, "user": None, "object_id": self.state.id, "marker": ""}
        existing = self.row()  # again: another call may have run while the alias answered
        if existing is not None:
            found = self.storage.exec("SELECT value FROM attributes WHERE field = ?", IMPORT_MARKER)
            marked = str(found[0]["value"]) if found else ""
            return {
                "created": False,
                "user": self.user_json(existing),
                "object_id": self.state.id,
                "marker": marked,
            }
        self.insert_own(tenant_id, "auth0", connection, email, profile or {}, user_id)
        self._set_attributes({IMPORT_MARKER: marker or None})
        if password_hash is not None:  # an imported user may come without one (a reset sets it)
            self.set_password(password_hash)
        user = await self.committed("user.created")
        return {"created": True, "user": user, "object_id": self.state.id, "marker": marker}

    def snapshot(self) -> Snapshot:
        row = self.row()
        return (
            {"version": row["version"], "user": self.user_json(row)} if row else {"version": 0, "user": None}
        )

    async def update(self, changes: dict[str, Any]) -> UserJson:
        """Auth0 `PATCH /users/{id}`: root attributes replaced, metadata merged one level deep
        (`null` removes a key); `password_hash` replaces the password. A new password, a block or
        a new email ends every session and revokes every refresh token (incident response)."""
        row = self.user()
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
        self.storage.exec(
            f"UPDATE user SET {assignments}updated_at = ?, version = version + 1",  # noqa: S608
            *values.values(),
            now,
        )
        self._set_attributes({key: changes[key] for key in ATTRIBUTES if key in changes})
        if changes.get("password_hash"):
            self.set_password(changes["password_hash"])
        if changes.get("imported_password_hash") and self.imported_password_unused():
            self.set_password(changes["imported_password_hash"])
        email_changed = values.get("email", row["email"]) != row["email"]
        if changes.get("password_hash") or values.get("blocked") or email_changed:
            self.sign_out_everywhere()
        elif "email_verified" in values and values["email_verified"] != row["email_verified"]:
            # A login waiting for its second factor may carry an identity joined by this email
            # being verified (`finish["attach"]`); it starts again under the new state.
            one_time.revoke_kind(self.storage, "mfa")
        return await self.committed("user.updated")

    async def delete(self) -> bool:
        """Auth0 `DELETE /users/{id}`: profile, credentials, sessions and tokens all go; the
        `user.deleted` event (one version on) stays in the outbox until it is sent."""
        row = self.user()
        deleted = {**row, "version": row["version"] + 1}
        self._record("user.deleted", deleted)
        for table in USER_DATA_TABLES:
            self.storage.exec(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
        self.storage.exec(
            "INSERT OR REPLACE INTO tombstone (singleton, version) VALUES (1, ?)", deleted["version"]
        )
        await self.flush_outbox()
        return True

    async def record_login(self, ip: str) -> None:
        """Auth0 `logins_count`, `last_login`, `last_ip`; a `user.login` event for D1's copy."""
        self.storage.exec(
            "INSERT INTO login_stats (singleton, logins_count, last_login) VALUES (1, 1, ?)"
            " ON CONFLICT (singleton) DO UPDATE SET logins_count = logins_count + 1,"
            " last_login = excluded.last_login",
            iso_now(self.env.clock()),
        )
        self._set_attributes({"last_ip": ip or None})
        self.storage.exec("UPDATE user SET version = version + 1")
        await self.committed("user.login")

    def sign_out_everywhere(self) -> None:
        """Every SSO session ends, every refresh token and pending mfa_token is revoked, and every
        browser remembered for MFA, and every device known for Adaptive MFA, is forgotten."""
        sessions.end_all_sessions(self.storage)
        refresh_tokens.revoke_all(self.storage)
        one_time.revoke_kind(self.storage, "mfa")
        one_time.revoke_kind(self.storage, "enrollment_ticket")
        remembered.forget_all(self.storage)
        known_devices.forget_all(self.storage)
