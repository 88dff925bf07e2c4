"""Users jobs (Auth0 `/api/v2/jobs`): the rows every job has in D1.

A job's work is split into parts, each one queue message on USER_EVENTS (`queues.user_jobs`): an
import's users in parts (`edgeauth.users.bulk_import`), an export's pages of users
(`edgeauth.users.bulk_export`). A part is counted once, in the same D1 batch that marks it done, so
a redelivered message changes nothing twice.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from edgeauth import ids
from edgeauth.platform import Platform
from edgeauth.ports import SqlParam
from edgeauth.rows import iso_now

# Users of a part handled at once (their objects' calls overlap; each object still runs alone).
CONCURRENCY = 8
IMPORT = "users_import"
EXPORT = "users_export"
PENDING, COMPLETED = "pending", "completed"
Statement = tuple[str, list[SqlParam]]
T = TypeVar("T")
R = TypeVar("R")


async def in_windows(items: Sequence[T], work: Callable[[int, T], Awaitable[R]]) -> list[R]:
    """`work(index, item)` for every item, `CONCURRENCY` at a time; results in the items' order."""
    results: list[R] = []
    for start in range(0, len(items), CONCURRENCY):
        window = enumerate(items[start : start + CONCURRENCY], start)
        results += await asyncio.gather(*(work(index, item) for index, item in window))
    return results


def new_job_id() -> str:
    """Auth0's shape, `job_` and 16 characters."""
    return ids.object_id("job")


def insert_job(
    platform: Platform, tenant_id: str, job_id: str, kind: str, params: dict[str, Any], parts: int
) -> Statement:
    return (
        "INSERT INTO jobs (tenant_id, id, type, status, params, parts, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [tenant_id, job_id, kind, PENDING, json.dumps(params), parts, iso_now(platform.clock())],
    )


async def load_job(platform: Platform, tenant_id: str, job_id: str) -> dict[str, Any] | None:
    return await platform.db.first("SELECT * FROM jobs WHERE tenant_id = ? AND id = ?", tenant_id, job_id)


async def part_data(platform: Platform, tenant_id: str, job_id: str, part: int) -> dict[str, Any] | None:
    return await platform.db.first(
        "SELECT data, done FROM job_parts WHERE tenant_id = ? AND job_id = ? AND part = ?",
        tenant_id,
        job_id,
        part,
    )
