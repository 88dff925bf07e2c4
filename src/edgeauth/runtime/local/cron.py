"""Cron Triggers: `[triggers] crons` fire in UTC; a missed fire is not made up later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from croniter import croniter

from edgeauth.ports import Clock

log = logging.getLogger(__name__)

ScheduledHandler = Callable[[str, int], Awaitable[None]]
"""`handler(cron, scheduled_time_ms)`, like `controller.cron` / `controller.scheduledTime`."""


def next_fire(cron: str, after: float) -> float:
    """The first fire time of `cron` strictly after `after` (Unix seconds, UTC)."""
    if not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression: {cron!r}")
    return float(croniter(cron, after).get_next(float))


def latest_fire(cron: str, now: float) -> float:
    """The last fire time of `cron` at or before `now`."""
    previous = float(croniter(cron, now).get_prev(float))
    following = next_fire(cron, previous)
    return following if following <= now else previous


class CronSchedule:
    """The next fire time of each cron, advanced as they fire."""

    def __init__(self, crons: Sequence[str], start: float) -> None:
        self._next = {cron: next_fire(cron, start) for cron in crons}

    def next_time(self) -> float | None:
        """The earliest upcoming fire time, or None without crons."""
        return min(self._next.values(), default=None)

    def pop_due(self, now: float) -> list[tuple[str, int]]:
        """(cron, scheduled ms) for every cron due at `now`; each then moves past `now`.

        Like Cloudflare, fires missed while nothing ran (the machine slept) are not replayed:
        a cron fires once for its latest due time.
        """
        due: list[tuple[str, int]] = []
        for cron, at in self._next.items():
            if at <= now:
                due.append((cron, int(latest_fire(cron, now) * 1000)))
                self._next[cron] = next_fire(cron, now)
        return due


async def run_cron_loop(
    crons: Sequence[str],
    handler: ScheduledHandler,
    *,
    clock: Clock,
    poll_interval: float = 1.0,
    start: float | None = None,
) -> None:
    """Call `handler` at each fire time after `start` (default: now) until cancelled.

    A failing handler is logged and the loop goes on (Cloudflare records the failed run).
    """
    schedule = CronSchedule(crons, clock() if start is None else start)
    while True:
        for cron, scheduled_ms in schedule.pop_due(clock()):
            try:
                await handler(cron, scheduled_ms)
            except Exception:
                log.exception("scheduled handler failed for cron %r", cron)
        upcoming = schedule.next_time()
        if upcoming is None:
            return
        # Sleep in short steps so a clock that jumps (tests, suspend/resume) is noticed soon.
        await asyncio.sleep(min(poll_interval, max(0.0, upcoming - clock())))
