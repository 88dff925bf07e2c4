"""UserObject: one Durable Object per user holds the profile, identities and credentials.

The same class runs on Cloudflare (wrapped as a `workers.DurableObject` by
`edgeauth.runtime.cloudflare.worker`) and in the local runtime. Every change bumps the user's
`version` and sends an event to the USER_EVENTS queue, which keeps D1's copy up to date.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from edgeauth.admin.rows import from_json_column, iso_now
from edgeauth.platform import Platform
from edgeauth.ports import ObjectState

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
    # Transactional outbox: events are written with the change, sent after it, deleted once sent.
    """CREATE TABLE IF NOT EXISTS outbox (
        version INTEGER PRIMARY KEY,
        event   TEXT NOT NULL
    )""",
)
OUTBOX_RETRY_MS = 5_000


def gravatar(email: str) -> str:
    """Auth0's default `picture` for database users."""
    digest = hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()
    return f"https://s.gravatar.com/avatar/{digest}?s=480&r=pg&d=mp"


class UserObject:
    """RPC surface of a user's Durable Object; each call runs alone (the input gate)."""

    RPC_METHODS: ClassVar[tuple[str, ...]] = ("create_user", "get_user")

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

    async def alarm(self) -> None:
        """Re-send events a failed queue send left in the outbox."""
        await self._flush_outbox()
