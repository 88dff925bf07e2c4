"""LocalObjectNamespace: Durable Object semantics (input gate, atomic calls, RPC checks, alarms)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from edgeauth.ports import ObjectState
from edgeauth.runtime.local.durable import ALARM_MAX_RETRIES, LocalObjectNamespace

T0_MS = 1_700_000_000_000


class Counter:
    """A tiny hosted object: a counter in its SQL storage, events recorded in `env.events`."""

    RPC_METHODS = (
        "increment",
        "value",
        "write_then_fail",
        "echo",
        "bad_result",
        "rendezvous",
        "hold",
        "schedule",
        "schedule_then_fail",
        "alarm_state",
        "raw_sql",
        "sync_value",
        "raise_",
    )

    def __init__(self, state: ObjectState, env: Any) -> None:
        self.state = state
        self.env = env
        self.sql = state.storage.exec
        self.sql("CREATE TABLE IF NOT EXISTS counter (only INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        self.sql("INSERT OR IGNORE INTO counter VALUES (0, 0)")
        self.sql("CREATE TABLE IF NOT EXISTS fired (at_alarm INTEGER)")
        env.constructed.append(state.id)

    def _n(self) -> int:
        return self.sql("SELECT n FROM counter")[0]["n"]

    async def increment(self, tag: int) -> int:
        self.env.events.append(("enter", self.state.id, tag))
        n = self._n()
        for _ in range(5):
            await asyncio.sleep(0)
        self.sql("UPDATE counter SET n = ?", n + 1)
        self.env.events.append(("exit", self.state.id, tag))
        return n + 1

    async def value(self) -> int:
        return self._n()

    def sync_value(self) -> int:
        return self._n()

    async def write_then_fail(self) -> None:
        self.sql("UPDATE counter SET n = 1000")
        await asyncio.sleep(0)
        raise RuntimeError("boom")

    async def echo(self, *args: Any) -> list[Any]:
        return list(args)

    async def bad_result(self) -> Any:
        self.sql("UPDATE counter SET n = 7")
        return {"when": object()}

    async def rendezvous(self, mine: str, theirs: str) -> str:
        getattr(self.env, mine).set()
        await getattr(self.env, theirs).wait()
        return mine

    async def hold(self) -> None:
        self.sql("UPDATE counter SET n = n + 1")
        self.env.holding.set()
        await self.env.release.wait()

    async def schedule(self, at_ms: int) -> int | None:
        await self.state.storage.set_alarm(at_ms)
        return await self.state.storage.get_alarm()

    async def schedule_then_fail(self, at_ms: int) -> None:
        await self.state.storage.set_alarm(at_ms)
        raise RuntimeError("no alarm after all")

    async def alarm_state(self) -> dict[str, Any]:
        fired = [row["at_alarm"] for row in self.sql("SELECT at_alarm FROM fired")]
        return {"fired": fired, "alarm": await self.state.storage.get_alarm()}

    async def raw_sql(self, sql: str) -> Any:
        return self.sql(sql)

    async def raise_(self, kind: str) -> None:
        errors: dict[str, Exception] = {
            "key": KeyError("k"),
            "value": ValueError("bad value"),
            "custom": CustomError("mine"),
            "os": OSError("disk"),
        }
        raise errors[kind]

    async def alarm(self) -> None:
        self.env.events.append(("alarm", self.state.id, await self.state.storage.get_alarm()))
        if self.env.fail_alarms:
            self.sql("INSERT INTO fired VALUES (-1)")  # rolled back with the failure
            raise RuntimeError("alarm failed")
        self.sql("INSERT INTO fired VALUES (?)", len(self.sql("SELECT * FROM fired")) + 1)
        if self.env.reschedule_ms is not None:
            await self.state.storage.set_alarm(self.env.reschedule_ms)


class CustomError(ValueError):
    """An application error class: on Workers it cannot cross RPC as itself."""


class NoAlarm:
    RPC_METHODS = ("schedule",)

    def __init__(self, state: ObjectState, env: Any) -> None:
        self.state = state

    async def schedule(self, at_ms: int) -> None:
        await self.state.storage.set_alarm(at_ms)


def make_env() -> SimpleNamespace:
    return SimpleNamespace(
        events=[],
        constructed=[],
        a=asyncio.Event(),
        b=asyncio.Event(),
        holding=asyncio.Event(),
        release=asyncio.Event(),
        fail_alarms=False,
        reschedule_ms=None,
    )


@pytest.fixture
def env() -> SimpleNamespace:
    return make_env()


@pytest.fixture
def users(tmp_path: Path, env: SimpleNamespace) -> LocalObjectNamespace:
    return LocalObjectNamespace(tmp_path / "objects", "USERS", Counter, lambda: env)


def test_ids_are_deterministic_64_hex(tmp_path: Path, users: LocalObjectNamespace) -> None:
    one = users.id_from_name("tenant-a:alice@example.com")
    assert len(one) == 64 and int(one, 16) >= 0 and one == one.lower()
    assert users.id_from_name("tenant-a:alice@example.com") == one
    assert users.id_from_name("tenant-b:alice@example.com") != one
    other = LocalObjectNamespace(tmp_path / "objects", "OTHER", Counter, make_env)
    assert other.id_from_name("tenant-a:alice@example.com") != one
    assert users.get_by_name("tenant-a:alice@example.com").id == one


@pytest.mark.parametrize("bad", ["", "xyz", "A" * 64, "0" * 63, "0" * 65])
def test_malformed_ids_are_rejected(users: LocalObjectNamespace, bad: str) -> None:
    with pytest.raises(ValueError):
        users.get(bad)


async def test_calls_into_one_object_never_interleave(
    users: LocalObjectNamespace, env: SimpleNamespace
) -> None:
    stub = users.get_by_name("alice")
    results = await asyncio.gather(*(stub.call("increment", i) for i in range(50)))
    assert sorted(results) == list(range(1, 51))
    assert await stub.call("value") == 50
    # every "enter" is immediately followed by its own "exit": no call overlapped another
    kinds = [(kind, tag) for kind, _, tag in env.events]
    assert len(kinds) == 100
    for enter, leave in zip(kinds[::2], kinds[1::2], strict=True):
        assert enter[0] == "enter" and leave == ("exit", enter[1])
    assert env.constructed == [users.id_from_name("alice")]  # one resident instance


async def test_calls_into_different_objects_run_concurrently(
    users: LocalObjectNamespace, env: SimpleNamespace
) -> None:
    """Each call waits for the other one to start: only possible if they run at the same time."""
    one, two = users.get_by_name("one"), users.get_by_name("two")
    async with asyncio.timeout(2):
        assert await asyncio.gather(one.call("rendezvous", "a", "b"), two.call("rendezvous", "b", "a")) == [
            "a",
            "b",
        ]


async def test_interleaved_increments_on_many_objects(users: LocalObjectNamespace) -> None:
    stubs = [users.get_by_name(f"user-{i}") for i in range(5)]
    await asyncio.gather(*(stub.call("increment", n) for n in range(10) for stub in stubs))
    assert [await stub.call("value") for stub in stubs] == [10] * 5


async def test_an_exception_rolls_back_the_call(users: LocalObjectNamespace) -> None:
    stub = users.get_by_name("alice")
    await stub.call("increment", 0)
    with pytest.raises(RuntimeError, match="boom"):
        await stub.call("write_then_fail")
    assert await stub.call("value") == 1
    assert await stub.call("sync_value") == 1  # sync methods are callable too


async def test_exceptions_cross_rpc_as_on_workers(users: LocalObjectNamespace) -> None:
    """Built-in exception types come back as themselves, anything else as RuntimeError."""
    stub = users.get_by_name("alice")
    with pytest.raises(KeyError) as key_error:
        await stub.call("raise_", "key")
    assert key_error.value.args == ("k",)
    with pytest.raises(ValueError, match="bad value") as value_error:
        await stub.call("raise_", "value")
    assert type(value_error.value) is ValueError
    with pytest.raises(RuntimeError, match=r"test_local_durable\.CustomError: mine") as custom:
        await stub.call("raise_", "custom")
    assert isinstance(custom.value.__cause__, CustomError)  # the original, for local debugging
    with pytest.raises(RuntimeError, match=r"^OSError: disk$"):
        await stub.call("raise_", "os")


async def test_unknown_or_unlisted_methods_are_rejected(users: LocalObjectNamespace) -> None:
    stub = users.get_by_name("alice")
    for method in ["nope", "_n", "__init__", "alarm"]:
        with pytest.raises(TypeError, match="does not implement the method"):
            await stub.call(method)


async def test_arguments_and_results_are_cloned_as_json(users: LocalObjectNamespace) -> None:
    stub = users.get_by_name("alice")
    payload = {"tuple": (1, 2), "nested": [{"a": None, "b": True, "c": 1.5}]}
    result = await stub.call("echo", payload, (3, 4), "s")
    assert result == [{"tuple": [1, 2], "nested": [{"a": None, "b": True, "c": 1.5}]}, [3, 4], "s"]
    assert result[0] is not payload


@pytest.mark.parametrize("bad", [b"bytes", {1, 2}, object(), float("nan"), {"d": lambda: None}])
async def test_non_json_arguments_are_rejected(users: LocalObjectNamespace, bad: Any) -> None:
    with pytest.raises(TypeError):
        await users.get_by_name("alice").call("echo", bad)


async def test_non_json_result_fails_and_rolls_back(users: LocalObjectNamespace) -> None:
    stub = users.get_by_name("alice")
    with pytest.raises(TypeError):
        await stub.call("bad_result")
    assert await stub.call("value") == 0


async def test_transaction_control_and_reserved_tables_are_refused(users: LocalObjectNamespace) -> None:
    stub = users.get_by_name("alice")
    for sql in ["BEGIN", "commit", "SAVEPOINT x", "SELECT * FROM _cf_alarm"]:
        with pytest.raises(RuntimeError, match="OperationalError") as refused:
            await stub.call("raw_sql", sql)
        assert isinstance(refused.value.__cause__, sqlite3.OperationalError)


async def test_data_persists_across_a_restart(tmp_path: Path, env: SimpleNamespace) -> None:
    first = LocalObjectNamespace(tmp_path / "objects", "USERS", Counter, lambda: env)
    await first.get_by_name("alice").call("increment", 0)
    await first.get_by_name("alice").call("increment", 1)
    first.close()
    second = LocalObjectNamespace(tmp_path / "objects", "USERS", Counter, lambda: env)
    assert await second.get_by_name("alice").call("value") == 2
    assert await second.get_by_name("bob").call("value") == 0
    object_id = second.id_from_name("alice")
    assert (tmp_path / "objects" / "USERS" / f"{object_id}.sqlite").exists()


async def test_a_call_holds_the_objects_write_lock(
    tmp_path: Path, users: LocalObjectNamespace, env: SimpleNamespace
) -> None:
    """Another process (the CLI) writing the same object waits until the call has committed."""
    stub = users.get_by_name("alice")
    path = tmp_path / "objects" / "USERS" / f"{stub.id}.sqlite"
    call = asyncio.create_task(stub.call("hold"))
    await env.holding.wait()
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    assert other.execute("SELECT n FROM counter").fetchone() == (0,)  # uncommitted write unseen
    env.release.set()
    await call
    other.execute("BEGIN IMMEDIATE")
    assert other.execute("SELECT n FROM counter").fetchone() == (1,)
    other.execute("ROLLBACK")
    other.close()


async def test_idle_objects_are_evicted_and_come_back(tmp_path: Path, env: SimpleNamespace) -> None:
    ns = LocalObjectNamespace(tmp_path / "objects", "USERS", Counter, lambda: env, max_resident=2)
    for i in range(5):
        await ns.get_by_name(f"u{i}").call("increment", i)
    assert await ns.get_by_name("u0").call("value") == 1
    assert len(env.constructed) == 6  # u0 was evicted, then rebuilt from its file


# --- alarms ---------------------------------------------------------------------------------------


async def test_alarm_fires_when_due_and_not_before(users: LocalObjectNamespace, env: SimpleNamespace) -> None:
    stub = users.get_by_name("alice")
    assert await stub.call("schedule", T0_MS + 5_000) == T0_MS + 5_000
    assert users.next_alarm_ms() == T0_MS + 5_000
    assert await users.run_due_alarms(T0_MS + 4_999) == 0
    assert await stub.call("alarm_state") == {"fired": [], "alarm": T0_MS + 5_000}
    assert await users.run_due_alarms(T0_MS + 5_000) == 1
    # deleted before alarm() ran (getAlarm() is None inside it), and not fired twice
    assert env.events == [("alarm", stub.id, None)]
    assert await stub.call("alarm_state") == {"fired": [1], "alarm": None}
    assert await users.run_due_alarms(T0_MS + 60_000) == 0
    assert users.next_alarm_ms() is None


async def test_set_alarm_replaces_the_previous_one(users: LocalObjectNamespace) -> None:
    stub = users.get_by_name("alice")
    await stub.call("schedule", T0_MS + 5_000)
    await stub.call("schedule", T0_MS + 10_000)
    assert await users.run_due_alarms(T0_MS + 5_000) == 0
    assert await users.run_due_alarms(T0_MS + 10_000) == 1


async def test_alarm_can_reschedule_itself(users: LocalObjectNamespace, env: SimpleNamespace) -> None:
    stub = users.get_by_name("alice")
    await stub.call("schedule", T0_MS)
    env.reschedule_ms = T0_MS + 1_000
    assert await users.run_due_alarms(T0_MS) == 1
    assert await stub.call("alarm_state") == {"fired": [1], "alarm": T0_MS + 1_000}
    env.reschedule_ms = None
    assert await users.run_due_alarms(T0_MS + 1_000) == 1
    assert (await stub.call("alarm_state"))["fired"] == [1, 2]


async def test_alarm_set_by_a_failing_call_is_rolled_back(users: LocalObjectNamespace) -> None:
    stub = users.get_by_name("alice")
    with pytest.raises(RuntimeError):
        await stub.call("schedule_then_fail", T0_MS)
    assert users.next_alarm_ms() is None
    assert await users.run_due_alarms(T0_MS + 1) == 0
    assert await stub.call("alarm_state") == {"fired": [], "alarm": None}


async def test_alarms_survive_a_restart(tmp_path: Path, env: SimpleNamespace) -> None:
    first = LocalObjectNamespace(tmp_path / "objects", "USERS", Counter, lambda: env)
    await first.get_by_name("alice").call("schedule", T0_MS)
    await first.get_by_name("bob").call("schedule", T0_MS + 10)
    first.close()
    second = LocalObjectNamespace(tmp_path / "objects", "USERS", Counter, lambda: env)
    assert await second.run_due_alarms(T0_MS + 10) == 2


async def test_failing_alarm_is_retried_with_backoff_then_dropped(
    users: LocalObjectNamespace, env: SimpleNamespace
) -> None:
    stub = users.get_by_name("alice")
    await stub.call("schedule", T0_MS)
    env.fail_alarms = True
    now = T0_MS
    assert await users.run_due_alarms(now) == 0
    assert await stub.call("alarm_state") == {"fired": [], "alarm": T0_MS}  # rolled back, kept
    attempts = 1
    backoff = 2_000
    for _ in range(ALARM_MAX_RETRIES):
        assert users.next_alarm_ms() == now + backoff
        await users.run_due_alarms(now + backoff - 1)
        assert len(env.events) == attempts  # not retried early
        now += backoff
        await users.run_due_alarms(now)
        attempts += 1
        assert len(env.events) == attempts
        backoff *= 2
    assert attempts == 1 + ALARM_MAX_RETRIES
    assert users.next_alarm_ms() is None  # given up, like Cloudflare after 6 retries
    assert await stub.call("alarm_state") == {"fired": [], "alarm": None}


async def test_a_retry_that_succeeds_clears_the_alarm(
    users: LocalObjectNamespace, env: SimpleNamespace
) -> None:
    stub = users.get_by_name("alice")
    await stub.call("schedule", T0_MS)
    env.fail_alarms = True
    await users.run_due_alarms(T0_MS)
    env.fail_alarms = False
    assert await users.run_due_alarms(T0_MS + 2_000) == 1
    assert await stub.call("alarm_state") == {"fired": [1], "alarm": None}
    assert users.next_alarm_ms() is None


async def test_alarm_runs_behind_the_input_gate(users: LocalObjectNamespace, env: SimpleNamespace) -> None:
    stub = users.get_by_name("alice")
    await stub.call("schedule", T0_MS)
    call = asyncio.create_task(stub.call("hold"))
    await env.holding.wait()
    alarms = asyncio.create_task(users.run_due_alarms(T0_MS))
    await asyncio.sleep(0.01)
    assert env.events == []  # waiting for the call to finish
    env.release.set()
    await call
    assert await alarms == 1


async def test_set_alarm_needs_an_alarm_handler(tmp_path: Path) -> None:
    ns = LocalObjectNamespace(tmp_path / "objects", "NOALARM", NoAlarm, make_env)
    with pytest.raises(TypeError, match="alarm"):
        await ns.get_by_name("x").call("schedule", T0_MS)


async def test_an_index_entry_without_a_committed_alarm_is_dropped(
    tmp_path: Path, users: LocalObjectNamespace, env: SimpleNamespace
) -> None:
    """The alarm index is written just before the call commits; after a crash in between, the
    entry points at an object with no alarm and is dropped when due, without calling alarm()."""
    stub = users.get_by_name("alice")
    await stub.call("schedule", T0_MS)
    users.close()
    path = tmp_path / "objects" / "USERS" / f"{stub.id}.sqlite"
    with sqlite3.connect(path) as conn:  # as if the call had never committed
        conn.execute("DELETE FROM _cf_alarm")
    conn.close()
    restarted = LocalObjectNamespace(tmp_path / "objects", "USERS", Counter, lambda: env)
    assert restarted.next_alarm_ms() == T0_MS
    assert await restarted.run_due_alarms(T0_MS) == 0
    assert env.events == []
    assert restarted.next_alarm_ms() is None
