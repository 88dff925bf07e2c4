"""UserObject on the local runtime: one user per email, and no user change lost on its way to D1."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from edgeauth.admin.errors import AdminError
from edgeauth.admin.tenants import ensure_default_tenant, publish_tenant
from edgeauth.admin.users import create_user
from edgeauth.cli import PROJECT_ROOT
from edgeauth.platform import Settings
from edgeauth.ports import JSON, QueueProducer
from edgeauth.runtime.local.config import WorkerConfig
from edgeauth.runtime.local.crypto import CPythonCrypto
from edgeauth.runtime.local.host import LocalRuntime
from edgeauth.users.passwords import ITERATIONS, hash_password
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


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def runtime(tmp_path: Path, clock: ManualClock) -> AsyncIterator[LocalRuntime]:
    rt = LocalRuntime(
        tmp_path,
        config=WorkerConfig.load(PROJECT_ROOT / "wrangler.toml"),
        crypto=CPythonCrypto(os.urandom(32)),
        settings=Settings(),
        clock=clock,
    )
    await ensure_default_tenant(rt.platform)
    yield rt
    rt.close()


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
    object_id = user["user_id"].removeprefix("auth0|")
    with sqlite3.connect(tmp_path / "objects" / "USERS" / f"{object_id}.sqlite") as db:  # an import
        db.execute("UPDATE credentials SET secret = ? WHERE kind = 'password'", (weak,))
    stub = platform.users.get(object_id)
    assert "error" in await stub.call("login_with_password", "wrong password", None)
    assert "session_token" in await stub.call("login_with_password", "legacy password", None)
    with sqlite3.connect(tmp_path / "objects" / "USERS" / f"{object_id}.sqlite") as db:
        (stored,) = db.execute("SELECT secret FROM credentials").fetchone()
    assert stored.startswith(f"$pbkdf2-sha256$i={ITERATIONS}$")
    assert "session_token" in await stub.call("login_with_password", "legacy password", None)


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
    user = await create_user(runtime.platform, "default", email="bf@example.com", password="right password")
    stub = runtime.platform.users.get(user["user_id"].removeprefix("auth0|"))
    for _ in range(10):
        assert (await stub.call("login_with_password", "wrong", None, "203.0.113.9"))["error"] == (
            "invalid_user_password"
        )
    locked = await stub.call("login_with_password", "right password", None, "203.0.113.9")
    assert locked["error"] == "too_many_attempts"
    assert "session_token" in await stub.call("login_with_password", "right password", None, "198.51.100.7")
    clock.advance(15 * 60 + 1)
    assert "session_token" in await stub.call("login_with_password", "right password", None, "203.0.113.9")
