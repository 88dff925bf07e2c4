"""Edge mode next to local mode: boot time and token-endpoint latency (issue 3's bench).

Boots each server three times on a fresh data folder (time to the first answered request, which
creates the default tenant and its keys), then times 200 client_credentials requests at
concurrency 1 on each. Prints medians and the edge/local ratio; asserts nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

from bench.admin import admin
from bench.http_load import Result, load
from edgeauth.runtime.local.edgehost import EdgeHostProcess
from edgeauth.runtime.local.process import ServerProcess

AUDIENCE = "https://edge-bench.example/"


def boot_seconds(make: type[ServerProcess], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp, make(Path(tmp)) as server:
            times.append(server.startup_seconds)
    return statistics.median(times)


def m2m_form(server: ServerProcess) -> dict[str, str]:
    """An API, an m2m app and its grant, made through the server's own admin path."""
    admin(server, "apis", "create", "--name", "B", "--identifier", AUDIENCE, "--scopes", "r")
    app = admin(server, "apps", "create", "--name", "B", "--type", "m2m")
    admin(server, "apps", "authorize", "--app", app["client_id"], "--api", AUDIENCE, "--scopes", "r")
    return {
        "grant_type": "client_credentials",
        "audience": AUDIENCE,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }


async def token_latency(make: type[ServerProcess], requests: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp, make(Path(tmp)) as server:
        form = m2m_form(server)
        return await load(
            server.base_url, f"token ({server.name})", ("POST", "/oauth/token", form), 1, requests
        )


async def main(requests: int = 200) -> None:
    local_boot, edge_boot = boot_seconds(ServerProcess), boot_seconds(EdgeHostProcess)
    local, edge = await token_latency(ServerProcess, requests), await token_latency(EdgeHostProcess, requests)
    print(f"{'edge vs local':<28} {'local':>10} {'edge':>10} {'edge/local':>10}")
    print("-" * 61)
    ratio = edge_boot / local_boot
    print(f"{'boot to first answer (s)':<28} {local_boot:>10.2f} {edge_boot:>10.2f} {ratio:>10.1f}")
    for label, q in (("token p50 (ms)", 0.5), ("token p99 (ms)", 0.99)):
        a, b = local.percentile(q), edge.percentile(q)
        print(f"{label:<28} {a:>10.2f} {b:>10.2f} {b / a:>10.1f}")
    print("edge: Pyodide in Node, Miniflare KV/D1/Queue over loopback RPC; not Cloudflare's numbers")


if __name__ == "__main__":
    asyncio.run(main())
