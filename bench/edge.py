"""Edge mode next to local mode: boot time, token latency, and CPU time per request under Pyodide.

Boots each server three times on a fresh data folder (time to the first answered request, which
creates the default tenant and its keys), then times 200 client_credentials requests at
concurrency 1 on each. Then, on the edge host only, the CPU time its process spends per request
(Workers bill CPU milliseconds): token, JWKS, discovery and a password login, each measured over
warm requests from the process's own utime + stime. Miniflare's KV/D1/Queue run in workerd, a
separate process, and are not counted. Prints medians and ratios; asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
from pathlib import Path

import httpx

from bench.admin import admin
from bench.http_load import Result, load
from edgeauth.runtime.local.edgehost import EdgeHostProcess
from edgeauth.runtime.local.process import ServerProcess

AUDIENCE = "https://edge-bench.example/"
REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"
PASSWORD = "edge bench password 1"


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


def realm_form(server: ServerProcess) -> dict[str, str]:
    """A native app allowed the password-realm grant, and a user to log in."""
    native = admin(server, "apps", "create", "--name", "N", "--type", "native", "--grants", REALM_GRANT)
    admin(server, "users", "create", "--email", "edge-bench@example.com", "--password", PASSWORD)
    return {
        "grant_type": REALM_GRANT,
        "client_id": native["client_id"],
        "username": "edge-bench@example.com",
        "password": PASSWORD,
        "realm": "Username-Password-Authentication",
        "scope": "openid",
    }


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_ms_per_request(
    server: ServerProcess, request: tuple[str, str, dict[str, str] | None], requests: int
) -> float:
    assert server.process is not None
    await load(server.base_url, "warm-up", request, 1, 20)
    before = cpu_seconds(server.process.pid)
    await load(server.base_url, "cpu", request, 1, requests)
    return (cpu_seconds(server.process.pid) - before) * 1000 / requests


async def token_latency(make: type[ServerProcess], requests: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp, make(Path(tmp)) as server:
        form = m2m_form(server)
        return await load(
            server.base_url, f"token ({server.name})", ("POST", "/oauth/token", form), 1, requests
        )


def signing_ms(server: EdgeHostProcess, count: int = 200) -> dict[str, float]:
    """One RS256 signature in the edge host: as the token endpoint awaits it from Python, and
    WebCrypto's own `sign` timed in JS (the harness's `sign_rs256` op)."""
    response = httpx.post(
        f"{server.base_url}/cdn-cgi/edgeauth/crypto", json={"op": "sign_rs256", "count": count}, timeout=60
    )
    response.raise_for_status()
    times: dict[str, float] = response.json()
    return times


async def edge_cpu(requests: int) -> tuple[dict[str, float], dict[str, float]]:
    """CPU ms per request of each kind, and `signing_ms`."""
    with tempfile.TemporaryDirectory() as tmp, EdgeHostProcess(Path(tmp)) as server:
        token, realm = m2m_form(server), realm_form(server)
        cpu = {
            "token (client_credentials)": await cpu_ms_per_request(
                server, ("POST", "/oauth/token", token), requests
            ),
            "jwks": await cpu_ms_per_request(server, ("GET", "/.well-known/jwks.json", None), requests),
            "discovery": await cpu_ms_per_request(
                server, ("GET", "/.well-known/openid-configuration", None), requests
            ),
            "password login (realm grant)": await cpu_ms_per_request(
                server, ("POST", "/oauth/token", realm), max(10, requests // 10)
            ),
        }
        return cpu, signing_ms(server)


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
    print()
    print(f"{'edge host CPU per request':<32} {'CPU ms':>8}")
    print("-" * 41)
    cpu, signing = await edge_cpu(requests)
    for name, ms in cpu.items():
        print(f"{name:<32} {ms:>8.2f}")
    print()
    print(f"{'edge host, one RS256 signature':<32} {'ms':>8}")
    print("-" * 41)
    print(f"{'awaited from Python (the port)':<32} {signing['from_python_ms']:>8.2f}")
    print(f"{'WebCrypto sign alone, in JS':<32} {signing['webcrypto_ms']:>8.2f}")
    print("edge: Pyodide in Node, Miniflare KV/D1/Queue over loopback RPC; not Cloudflare's numbers")


if __name__ == "__main__":
    asyncio.run(main())
