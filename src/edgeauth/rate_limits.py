"""Fixed-window request counters in D1, shared by every Worker isolate and location: the
Management API's limits and the hosted pages' (docs/decisions.md, "Management API rate limit").
A bucket is a tenant and a name (a hashed caller, IP or email), never a raw address."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from edgeauth.platform import Platform
from edgeauth.users.directory import normalize_email

FORGET_AFTER_SECONDS = 86400

# One row per bucket; a request from a later window starts it again at 1 (an isolate whose clock
# lags never moves the window back).
COUNT_REQUEST = """
INSERT INTO rate_limits (tenant_id, bucket, window_start, count) VALUES (?, ?, ?, 1)
ON CONFLICT (tenant_id, bucket) DO UPDATE SET
    count = CASE WHEN excluded.window_start > rate_limits.window_start THEN 1
                 ELSE rate_limits.count + 1 END,
    window_start = MAX(rate_limits.window_start, excluded.window_start)
RETURNING count, window_start
"""


@dataclass(frozen=True)
class Usage:
    """Where a bucket stands in its current window."""

    limit: int
    count: int
    reset: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(self.limit - self.count, 0)),
            "x-ratelimit-reset": str(self.reset),
        }


def caller_bucket(issuer: str, subject: str) -> str:
    return "caller:" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:32]


def ip_bucket(ip: str) -> str:
    return "ip:" + hashlib.sha256(ip.encode()).hexdigest()[:32]


async def count_request(platform: Platform, tenant_id: str, bucket: str, limit: int, window: int) -> Usage:
    """Count one request in `bucket`'s current window (one D1 write)."""
    now = platform.now()
    window = max(window, 1)
    row = await platform.db.first(COUNT_REQUEST, tenant_id, bucket, now - now % window)
    assert row is not None  # an upsert with RETURNING always returns its row
    return Usage(limit, int(row["count"]), int(row["window_start"]) + window)


async def within_email_limits(
    platform: Platform,
    tenant_id: str,
    purpose: str,
    ip: str,
    email: str,
    per_ip: int,
    per_email: int,
    window: int,
) -> bool:
    """An email the hosted pages send on request (a reset link, a signup code): counted for the
    caller's IP, then (only while the IP is within its limit) for the address; False beyond
    either. An IP over its budget cannot spend anyone's email budget."""
    buckets = ((f"{purpose}-{ip_bucket(ip)}", per_ip), (email_bucket(purpose, email), per_email))
    for bucket, limit in buckets:
        if (await count_request(platform, tenant_id, bucket, limit, window)).exceeded:
            return False
    return True


async def peek(platform: Platform, tenant_id: str, bucket: str, limit: int, window: int) -> Usage:
    """Where `bucket` stands now, without counting."""
    now = platform.now()
    start = now - now % max(window, 1)
    row = await platform.db.first(
        "SELECT count FROM rate_limits WHERE tenant_id = ? AND bucket = ? AND window_start >= ?",
        tenant_id,
        bucket,
        start,
    )
    return Usage(limit, int(row["count"]) if row else 0, start + window)


def email_bucket(purpose: str, email: str) -> str:
    return f"{purpose}:" + hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


async def prune_rate_limits(platform: Platform) -> None:
    """Cron: buckets of windows long gone (callers and IPs come and go)."""
    oldest = platform.now() - FORGET_AFTER_SECONDS
    await platform.db.run("DELETE FROM rate_limits WHERE window_start < ?", oldest)
