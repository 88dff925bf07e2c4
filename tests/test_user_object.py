"""UserObject on the local runtime: one user per email, and no user change lost on its way to D1.

The real USER_EVENTS consumer keeps D1 equal to the objects whatever the delivery order; poison goes
to the dead-letter queue; `edgeauth users reconcile` repairs drift."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from edgeauth.admin import users
from edgeauth.admin.commands import run_admin_command
from edgeauth.admin.errors import AdminError
from edgeauth.admin.tenants import publish_tenant
from edgeauth.admin.users import create_user
from edgeauth.cli import PROJECT_ROOT
from edgeauth.ports import JSON, QueueMessage, QueueProducer
from edgeauth.runtime.local.config import WorkerConfig
from edgeauth.runtime.local.host import LocalRuntime
from edgeauth.users.answers import Refusal, refused
from edgeauth.users.objects import UserObjects
from edgeauth.users.passwords import ITERATIONS, hash_password
from queues.user_sync import apply_user_event
from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server
from tests.in_process import DEAD_LETTERS, QUEUE, drain
from tests.local_runtime.support import ManualClock


class FailingFirst:
    """Fault injection over the real queue producer: the first `failures` sends raise."""

    def __init__(self, real: QueueProducer, failures: int) -> None:
        self.real = real
        self.failures = failures

    async def send(self, body: JSON) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("queue unavailable")
        await self.real.send(body)

    async def send_batch(self, bodies: Sequence[JSON]) -> None:
        for body in bodies:
            await self.send(body)


async def d1_user_ids(rt: LocalRuntime) -> list[str]:
    return [r["user_id"] for r in await rt.platform.db.all("SELECT user_id FROM users")]


async def test_concurrent_signups_with_one_email_make_one_user(runtime: LocalRuntime) -> None:
    results = await asyncio.gather(
        *(
            create_user(runtime.platform, "default", email="Same@Example.com", password="longenough")
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    created = [r for r in results if isinstance(r, dict)]
    conflicts = [r for r in results if isinstance(r, Exception)]
    assert len(created) == 1 and len(conflicts) == 4
    assert all(getattr(c, "status", None) == 409 for c in conflicts)
    await runtime.drain_queues()
    assert await d1_user_ids(runtime) == [created[0]["user_id"]]


async def test_a_failed_queue_send_is_retried_by_the_alarm(runtime: LocalRuntime, clock: ManualClock) -> None:
    runtime.platform = dataclasses.replace(
        runtime.platform, user_events=FailingFirst(runtime.platform.user_events, failures=1)
    )
    user = await create_user(runtime.platform, "default", email="q@example.com", password="longenough")
    await runtime.drain_queues()
    assert await d1_user_ids(runtime) == []  # the send failed; the user exists only in its object

    assert await runtime.run_due_alarms() == 0  # the retry is not due yet
    clock.advance(6)
    assert await runtime.run_due_alarms() == 1
    await runtime.drain_queues()
    assert await d1_user_ids(runtime) == [user["user_id"]]


async def test_a_weaker_password_hash_is_upgraded_at_login(runtime: LocalRuntime, tmp_path: Path) -> None:
    """An imported hash with fewer iterations verifies, then is rehashed with the current policy."""
    platform = runtime.platform
    user = await create_user(platform, "default", email="old@example.com", password="legacy password")
    weak = await hash_password(platform.crypto, "legacy password", iterations=1_000)
    object_id = user["user_id"].removeprefix("auth0|")[:64]
    with sqlite3.connect(tmp_path / "objects" / "USERS" / f"{object_id}.sqlite") as db:  # an import
        db.execute("UPDATE credentials SET secret = ? WHERE kind = 'password'", (weak,))
    handle = UserObjects(platform, "default").by_email("old@example.com")
    assert await handle.login_with_password("wrong password", None, "") == refused(Refusal.WRONG_CREDENTIALS)
    assert "session_token" in await handle.login_with_password("legacy password", None, "")
    with sqlite3.connect(tmp_path / "objects" / "USERS" / f"{object_id}.sqlite") as db:
        (stored,) = db.execute("SELECT secret FROM credentials").fetchone()
    assert stored.startswith(f"$pbkdf2-sha256$i={ITERATIONS}$")
    assert "session_token" in await handle.login_with_password("legacy password", None, "")


async def test_password_policy_is_per_tenant(runtime: LocalRuntime) -> None:
    platform = runtime.platform
    await platform.db.run(
        "UPDATE tenants SET settings = ? WHERE id = 'default'", '{"password_policy": {"min_length": 12}}'
    )
    await publish_tenant(platform, "default")
    with pytest.raises(AdminError, match="at least 12"):
        await create_user(platform, "default", email="p@example.com", password="elevenchars")
    await create_user(platform, "default", email="p@example.com", password="twelve chars")


async def test_brute_force_protection_is_per_ip(runtime: LocalRuntime, clock: ManualClock) -> None:
    """Ten wrong passwords from one IP block that IP only; the user still logs in from elsewhere."""
    await create_user(runtime.platform, "default", email="bf@example.com", password="right password")
    user = UserObjects(runtime.platform, "default").by_email("bf@example.com")
    for _ in range(10):
        wrong = await user.login_with_password("wrong", None, "203.0.113.9")
        assert wrong == refused(Refusal.WRONG_CREDENTIALS)
    locked = await user.login_with_password("right password", None, "203.0.113.9")
    assert locked == refused(Refusal.TOO_MANY_ATTEMPTS)
    assert "session_token" in await user.login_with_password("right password", None, "198.51.100.7")
    clock.advance(15 * 60 + 1)
    assert "session_token" in await user.login_with_password("right password", None, "203.0.113.9")


TENANT = "default"
PASSWORD = "sync password 1"


async def discard(runtime: LocalRuntime) -> list[Any]:
    """Take every pending event off the queue without applying it; their bodies."""
    taken: list[Any] = []

    async def take(messages: Sequence[QueueMessage]) -> None:
        taken.extend(message.body for message in messages)

    while await runtime.queue.deliver(QUEUE, take, max_batch_size=100, max_retries=3, dead_letter_queue=None):
        pass
    return taken


async def object_truth(runtime: LocalRuntime, user_ids: list[str]) -> dict[str, Any]:
    """What each user's object holds: (version, user or None)."""
    truth = {}
    for user_id in user_ids:
        found = UserObjects(runtime.platform, TENANT).by_own_id(user_id)
        assert found is not None
        snapshot = await found.snapshot()
        # A deleted user's id reaches nobody (not even its last version): only "deleted" compares.
        truth[user_id] = (snapshot["version"], snapshot["user"]) if snapshot["user"] else None
    return truth


async def d1_copy(runtime: LocalRuntime, user_ids: list[str]) -> dict[str, Any]:
    copy = {}
    for user_id in user_ids:
        row = await runtime.platform.db.first(
            "SELECT version, profile, deleted FROM users WHERE tenant_id = ? AND user_id = ?", TENANT, user_id
        )
        assert row is not None, user_id
        copy[user_id] = None if row["deleted"] else (row["version"], json.loads(row["profile"]))
    return copy


async def make_history(runtime: LocalRuntime) -> list[str]:
    """Three users with creates, updates, a login, a delete: a dozen events."""
    platform = runtime.platform
    created = [
        await users.create_user(platform, TENANT, email=f"u{i}@sync.test", password=PASSWORD)
        for i in range(3)
    ]
    ids = [user["user_id"] for user in created]
    for round_ in range(2):
        for user_id in ids:
            await users.update_user(platform, TENANT, user_id, {"app_metadata": {"round": round_}})
    first = UserObjects(platform, TENANT).by_email("u0@sync.test")
    assert "session_token" in await first.login_with_password(PASSWORD, None, "192.0.2.1")
    await users.delete_user(platform, TENANT, ids[2])
    return ids


async def test_duplicated_reordered_and_redelivered_events_leave_d1_equal_to_the_objects(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    ids = await make_history(runtime)
    events = await discard(runtime)
    assert len(events) == 3 + 6 + 1 + 1
    shuffled = events * 3
    random.Random(5).shuffle(shuffled)
    await runtime.platform.user_events.send_batch(shuffled[:50])
    await runtime.platform.user_events.send_batch(shuffled[50:])

    async def apply_then_crash(messages: Sequence[QueueMessage]) -> None:
        """Applies the batch, then dies before acking it: every message is delivered again."""
        for message in messages:
            await apply_user_event(runtime.platform, message.body)
        raise RuntimeError("worker crashed before the ack")

    await runtime.queue.deliver(
        QUEUE, apply_then_crash, max_batch_size=10, max_retries=3, dead_letter_queue=None
    )
    await drain(runtime, clock)
    truth = await object_truth(runtime, ids)
    assert truth[ids[2]] is None and truth[ids[0]][1]["logins_count"] == 1
    assert await d1_copy(runtime, ids) == truth

    await runtime.platform.user_events.send_batch([e for e in events if e["version"] == 1])  # stale again
    await drain(runtime, clock)
    assert await d1_copy(runtime, ids) == truth


async def test_a_poisoned_message_is_dead_lettered_and_the_batch_still_lands(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    poison = {"type": "user.updated", "tenant_id": TENANT, "user_id": "auth0|x", "version": "NaN", "user": {}}
    await runtime.platform.user_events.send(poison)
    ids = [
        (await users.create_user(runtime.platform, TENANT, email=f"p{i}@sync.test", password=PASSWORD))[
            "user_id"
        ]
        for i in range(4)
    ]
    await drain(runtime, clock)
    [dead] = runtime.queue.peek(DEAD_LETTERS)
    assert dead.body == poison and dead.deliveries == 0  # a fresh message on the dead-letter queue
    assert await d1_copy(runtime, ids) == await object_truth(runtime, ids)
    max_retries = WorkerConfig.load(PROJECT_ROOT / "wrangler.toml").queue_consumers[QUEUE].max_retries
    assert max_retries == 3


async def test_a_message_of_an_unknown_type_is_dead_lettered_not_dropped(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    """The consumer used to treat any type it did not know as a user event; now it fails loudly."""
    for stray in ({"type": "user.renamed", "user": {}}, {"kind": "log"}, ["not", "an", "object"]):
        await runtime.platform.user_events.send(stray)
    await drain(runtime, clock)
    assert [m.body for m in runtime.queue.peek(DEAD_LETTERS)] == [
        {"type": "user.renamed", "user": {}},
        {"kind": "log"},
        ["not", "an", "object"],
    ]


async def test_reconcile_repairs_drift(runtime: LocalRuntime, clock: ManualClock) -> None:
    platform = runtime.platform
    ids = [
        (await users.create_user(platform, TENANT, email=f"r{i}@sync.test", password=PASSWORD))["user_id"]
        for i in range(4)
    ]
    await drain(runtime, clock)
    corrupted, stale, gone, fine = ids
    await platform.db.run(
        'UPDATE users SET profile = \'{"email":"evil@x.test"}\', version = 99 WHERE user_id = ?', corrupted
    )
    await users.update_user(platform, TENANT, stale, {"name": "Renamed"})
    await users.delete_user(platform, TENANT, gone)
    await discard(runtime)  # both events lost on their way to D1
    assert (await d1_copy(runtime, [stale]))[stale][1]["name"] != "Renamed"

    report = await run_admin_command(platform, ["users", "reconcile"])
    assert report == {"checked": 4, "repaired": sorted([corrupted, stale]), "deleted": [gone]}
    assert await d1_copy(runtime, ids) == await object_truth(runtime, ids)
    assert (await d1_copy(runtime, [fine]))[fine][1]["email"] == "r3@sync.test"
    again = await run_admin_command(platform, ["users", "reconcile"])
    assert again == {"checked": 4, "repaired": [], "deleted": []}


def test_an_email_change_moves_the_login_to_the_new_email(server: Server) -> None:
    """Both runtimes: the new email's object forwards the login to the user's object (an alias)."""
    callback = "https://alias.example/callback"
    app = server.cli("apps", "create", "--name", "Alias", "--type", "spa", "--callbacks", callback)
    user = server.cli("users", "create", "--email", "before@alias.test", "--password", PASSWORD)
    moved = server.cli("users", "update", user["user_id"], "--email", "after@alias.test")
    assert moved["user_id"] == user["user_id"] and moved["email"] == "after@alias.test"
    query = code_query(app["client_id"], callback, pkce_pair()[1])
    assert "code" in redirect_params(Browser(server).login(query, "after@alias.test", PASSWORD))
    assert Browser(server).login(query, "before@alias.test", PASSWORD).status_code == 400
    server.cli("users", "update", user["user_id"], "--blocked", "true")
    assert Browser(server).login(query, "after@alias.test", PASSWORD).status_code == 400
