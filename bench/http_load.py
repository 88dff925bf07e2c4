"""HTTP load from one process: N requests from C workers on kept-alive connections."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp


@dataclass
class Result:
    name: str
    concurrency: int
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def load(
    base_url: str,
    name: str,
    request: tuple[str, str, dict[str, str] | None],
    concurrency: int,
    total: int,
    headers: dict[str, str] | None = None,
) -> Result:
    """`total` requests from `concurrency` workers on kept-alive connections; all must be 200.

    aiohttp, not httpx: the load generator shares the machine's two cores with the server, and
    httpx spends several times the server's own time per request.
    """
    method, path, form = request
    latencies: list[float] = []
    remaining = iter(range(total))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url, connector=connector, headers=headers) as http:

        async def one() -> None:
            async with http.request(method, path, data=form) as response:
                body = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{name}: {response.status} {body[:200]!r}")

        async def worker() -> None:
            for _ in remaining:
                started = time.perf_counter()
                await one()
                latencies.append(time.perf_counter() - started)

        for _ in range(min(50, total)):  # warm-up
            await one()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Result(name, concurrency, total, seconds, latencies)
