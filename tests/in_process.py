"""An in-process local runtime on a temporary folder with a manual clock: for tests that drive the
queue consumer, alarms and the cron by hand (real SQLite, real consumer, no HTTP server)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edgeauth.admin.tenants import ensure_default_tenant
from edgeauth.cli import PROJECT_ROOT
from edgeauth.platform import Settings
from edgeauth.runtime.local.config import WorkerConfig
from edgeauth.runtime.local.crypto import CPythonCrypto
from edgeauth.runtime.local.host import LocalRuntime
from tests.local_runtime.support import ManualClock

QUEUE = "edgeauth-user-events"
DEAD_LETTERS = "edgeauth-user-events-dlq"


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


async def drain(runtime: LocalRuntime, clock: ManualClock) -> None:
    """Deliver until the queue is empty, letting retry delays pass."""
    for _ in range(20):
        await runtime.drain_queues()
        if not runtime.queue.peek(QUEUE):
            return
        clock.advance(60)
    raise AssertionError("the queue never emptied")
