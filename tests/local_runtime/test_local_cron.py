"""Cron Triggers: next fire times and the loop that calls the scheduled handler."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from edgeauth.runtime.local.cron import CronSchedule, latest_fire, next_fire, run_cron_loop
from tests.local_runtime.support import ManualClock, eventually


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_next_fire_is_strictly_after_and_in_utc() -> None:
    assert next_fire("0 3 * * *", ts("2026-06-01T02:59:59")) == ts("2026-06-01T03:00:00")
    assert next_fire("0 3 * * *", ts("2026-06-01T03:00:00")) == ts("2026-06-02T03:00:00")
    assert next_fire("*/15 * * * *", ts("2026-06-01T10:07:30")) == ts("2026-06-01T10:15:00")
    assert next_fire("0 0 1 * *", ts("2026-12-15T00:00:00")) == ts("2027-01-01T00:00:00")


def test_latest_fire_includes_now() -> None:
    assert latest_fire("0 3 * * *", ts("2026-06-01T03:00:00")) == ts("2026-06-01T03:00:00")
    assert latest_fire("0 3 * * *", ts("2026-06-01T02:00:00")) == ts("2026-05-31T03:00:00")


def test_invalid_cron_is_rejected() -> None:
    with pytest.raises(ValueError):
        next_fire("every day", 0)


def test_schedule_fires_each_cron_once_per_due_time() -> None:
    schedule = CronSchedule(["0 3 * * *", "*/30 * * * *"], ts("2026-06-01T02:45:00"))
    assert schedule.next_time() == ts("2026-06-01T03:00:00")
    assert schedule.pop_due(ts("2026-06-01T02:59:59")) == []
    assert schedule.pop_due(ts("2026-06-01T03:00:01")) == [
        ("0 3 * * *", int(ts("2026-06-01T03:00:00") * 1000)),
        ("*/30 * * * *", int(ts("2026-06-01T03:00:00") * 1000)),
    ]
    assert schedule.pop_due(ts("2026-06-01T03:00:02")) == []
    assert schedule.next_time() == ts("2026-06-01T03:30:00")


def test_missed_fires_are_not_replayed() -> None:
    schedule = CronSchedule(["*/30 * * * *"], ts("2026-06-01T00:00:00"))
    # the machine slept for a day: one fire, for the latest due time
    assert schedule.pop_due(ts("2026-06-02T00:10:00")) == [
        ("*/30 * * * *", int(ts("2026-06-02T00:00:00") * 1000))
    ]
    assert schedule.next_time() == ts("2026-06-02T00:30:00")


def test_no_crons() -> None:
    assert CronSchedule([], 0).next_time() is None


async def test_loop_calls_the_handler_when_the_clock_reaches_a_fire_time() -> None:
    clock = ManualClock(ts("2026-06-01T02:59:00"))
    calls: list[tuple[str, int]] = []

    async def handler(cron: str, scheduled_ms: int) -> None:
        calls.append((cron, scheduled_ms))
        if len(calls) == 1:
            raise RuntimeError("a failing run does not stop the loop")

    task = asyncio.create_task(run_cron_loop(["0 3 * * *"], handler, clock=clock, poll_interval=0.005))
    try:
        await asyncio.sleep(0.03)
        assert calls == []
        clock.advance(60)
        await eventually(lambda: len(calls) == 1)
        clock.advance(86_400)
        await eventually(lambda: len(calls) == 2)
        assert calls == [
            ("0 3 * * *", int(ts("2026-06-01T03:00:00") * 1000)),
            ("0 3 * * *", int(ts("2026-06-02T03:00:00") * 1000)),
        ]
    finally:
        task.cancel()


async def test_loop_without_crons_ends() -> None:
    async def handler(cron: str, scheduled_ms: int) -> None:
        raise AssertionError("never called")

    await asyncio.wait_for(run_cron_loop([], handler, clock=ManualClock()), timeout=1)
