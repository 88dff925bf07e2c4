"""Helpers for the local runtime tests: a clock moved by hand, waiting on background tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

START = 1_700_000_000.0  # 2023-11-14T22:13:20Z


class ManualClock:
    """A `Clock` that only moves when told to."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class NoCrypto:
    """The runtime only carries the crypto port into the Platform; these tests never call it."""


async def eventually(condition: Callable[[], bool], *, polls: int = 400) -> None:
    """Yield to background tasks until `condition()` holds (`polls` times 5 ms at most)."""
    for _ in range(polls):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never became true")
