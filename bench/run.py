"""edgeauth bench: edgeauth next to npm `oidc-provider` in the same run, against the RS256 ceiling.

Each server runs pinned to one core and `wrk` (native) to the other (bench/wrk.py). The anchor is
`oidc-provider` 9 as a team would run it for machine clients (tests/e2e/bench_anchor.mjs): one
client, one RS256 key, JWT access tokens. Measured for both: client_credentials at concurrency 1
and 8, discovery and JWKS at 8; the ceiling is `openssl speed rsa2048` on the server's core.
Then edgeauth next to the stack's floor (bench/floor_app.py: Starlette and uvicorn reading the form
and signing, nothing else). Then edgeauth alone: the Management API, password logins against the
PBKDF2 ceiling, cold start (process start → first token) and resident memory; then the edge host
(bench/edge.py): latency and CPU time per request under Pyodide. Prints tables of numbers and
ratios; asserts nothing.

Usage: `make bench` (or `.venv/bin/python -m bench.run [--seconds N] [--logins N]`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import edge
from bench.admin import cli
from bench.http_load import Result
from bench.login import CALLBACK, login_load, pbkdf2_ceiling
from bench.wrk import LOAD_CORE, SERVER_CORE, WrkResult, can_pin, openssl_rsa2048_signs, pinned, run_wrk
from edgeauth import management_api
from edgeauth.runtime.local.process import ServerProcess, free_port

AUDIENCE = "https://bench.example/"
ROOT = Path(__file__).resolve().parents[1]
ANCHOR_SCRIPT = ROOT / "tests" / "e2e" / "bench_anchor.mjs"
REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"


class PinnedServer(ServerProcess):
    """`edgeauth serve` on the server's core."""

    def command(self) -> list[str]:
        return pinned(super().command(), SERVER_CORE)

    def rss_mib(self) -> float:
        """Resident memory now (VmRSS of the server process)."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(kib) / 1024


@contextmanager
def anchor(client_id: str, client_secret: str) -> Iterator[str]:
    """npm `oidc-provider` on the server's core; yields its base URL."""
    port = free_port()
    config = {"port": port, "client_id": client_id, "client_secret": client_secret, "audience": AUDIENCE}
    process = subprocess.Popen(
        pinned(["node", str(ANCHOR_SCRIPT), json.dumps(config)], SERVER_CORE),
        cwd=ANCHOR_SCRIPT.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("oidc-provider did not start (make test installs tests/e2e's packages)")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def floor_server() -> Iterator[str]:
    """bench/floor_app.py under uvicorn (uvloop, httptools, as `edgeauth serve`) on the server's
    core; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.floor_app:app", "--port", str(port)]
    command += ["--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(pinned(command, SERVER_CORE), cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.post(f"{url}/oauth/token", data={"client_id": "c", "audience": "a"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def against_floor(row: Row, anchor_row: Row) -> str:
    """edgeauth next to the stack's floor (bench/floor_app.py), measured in turn like the shared
    rows; the floor's own ratio to oidc-provider follows from the two medians."""
    a, b = row.ours, row.theirs
    head = f"{'edgeauth vs the stack floor':<26} {'conc':>4} │ {'edgeauth':>8} │ {'floor':>8} │ {'ratio':>5}"
    return "\n".join(
        [
            head,
            "─" * len(head),
            f"{a.name:<26} {a.concurrency:>4} │ {a.rate:>8.0f} │ {b.rate:>8.0f} │ {row.ratio:>5.2f}",
            "floor: Starlette + uvicorn reading the form and signing, nothing else (bench/floor_app.py);",
            f"the floor is then about {anchor_row.ratio / row.ratio:.2f} times oidc-provider's rate at c=8",
        ]
    )


def side_by_side(rows: list[Row], ceiling: float) -> str:
    """One row per endpoint and concurrency: both servers (medians of the rounds), the median
    ratio of the rounds, and for tokens both servers' share of the signing ceiling."""
    head = (
        f"{'endpoint':<26} {'conc':>4} │ {'edgeauth':>8} {'p50 ms':>7} {'p99 ms':>7} │ "
        f"{'oidc-prov':>9} {'p50 ms':>7} {'p99 ms':>7} │ {'ratio':>5} {'of ceiling':>10}"
    )
    lines = [head, "─" * len(head)]
    for row in rows:
        a, b = row.ours, row.theirs
        share = f"{a.rate / ceiling:.0%} / {b.rate / ceiling:.0%}" if a.name.startswith("token") else ""
        lines.append(
            f"{a.name:<26} {a.concurrency:>4} │ {a.rate:>8.0f} {a.p50_ms:>7.2f} {a.p99_ms:>7.2f} │ "
            f"{b.rate:>9.0f} {b.p50_ms:>7.2f} {b.p99_ms:>7.2f} │ {row.ratio:>5.2f} {share:>10}"
        )
    lines.append(f"RS256 ceiling: openssl speed rsa2048 on the server's core = {ceiling:,.0f} signs/s")
    lines.append("each row: 3 rounds of both servers in turn; req/s and latencies are the medians,")
    lines.append("ratio is the median of the rounds' edgeauth ÷ oidc-provider")
    if can_pin():
        lines.append(f"servers pinned to core {SERVER_CORE}, wrk (1 thread) to core {LOAD_CORE}")
    else:
        lines.append("one core: server and wrk share it (nothing pinned); compare ratios, not absolutes")
    return "\n".join(lines)


def edgeauth_alone(
    results: list[WrkResult],
    logins: list[Result],
    discovery: float,
    login_ceiling: float,
    cold_start: float,
    rss: float,
) -> str:
    """The Management API against discovery (what a request costs before its own work), logins
    against PBKDF2 at 100 000 iterations (the password check's floor), cold start and memory."""
    lines = [f"{'edgeauth alone':<36} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>10}"]
    lines.append("─" * len(lines[0]))
    for r in results:
        ratio = r.rate / (discovery if r.name.startswith("mgmt") else login_ceiling)
        lines.append(
            f"{r.name:<36} {r.concurrency:>4} {r.rate:>8.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {ratio:>10.2f}"
        )
    for login in logins:
        lines.append(
            f"{login.name:<36} {login.concurrency:>4} {login.rate:>8.1f} {login.percentile(0.5):>8.1f} "
            f"{login.percentile(0.99):>8.1f} {login.rate / login_ceiling:>10.2f}"
        )
    lines.append("ratio: mgmt ÷ discovery req/s; logins ÷ PBKDF2-SHA256 100k ceiling")
    lines.append(f"PBKDF2 100k ceiling (1 core): {login_ceiling:.1f}/s")
    lines.append(
        f"cold start, process start → first token: {cold_start:.2f} s; RSS after the load: {rss:.0f} MiB"
    )
    return "\n".join(lines)


def first_token_seconds(server: PinnedServer, started: float, form: dict[str, str]) -> float:
    response = httpx.post(f"{server.base_url}/oauth/token", data=form, timeout=30)
    response.raise_for_status()
    return time.monotonic() - started


def management_bearer(base_url: str, form: dict[str, str]) -> dict[str, str]:
    """A Management API token for the bench app, with the tenant's rate limit lifted."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        issued = http.post("/oauth/token", data={**form, "audience": f"{base_url}/api/v2/"})
        bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        lifted = http.patch(
            "/api/v2/tenants/settings",
            json={"management_api_rate_limit": {"requests": 100_000}},
            headers=bearer,
        )
        lifted.raise_for_status()
    return bearer


@dataclass(frozen=True)
class Target:
    """One server's side of a shared row: its URL and, for a POST, its form."""

    url: str
    form: dict[str, str] | None = None


@dataclass(frozen=True)
class Row:
    ours: WrkResult
    theirs: WrkResult
    ratio: float  # the median of the rounds' ratios, each measured within the same minute


def median_result(results: list[WrkResult]) -> WrkResult:
    return sorted(results, key=lambda r: r.rate)[len(results) // 2]


def paired(name: str, concurrency: int, ours: Target, theirs: Target, seconds: int, rounds: int) -> Row:
    """Both servers in turn, `rounds` times: the machine's speed drifts from minute to minute, so
    each ratio compares runs made seconds apart, and the row reports their median."""
    mine: list[WrkResult] = []
    other: list[WrkResult] = []
    for _ in range(rounds):
        for target, results in ((ours, mine), (theirs, other)):
            method = "POST" if target.form is not None else "GET"
            results.append(
                run_wrk(name, target.url, concurrency, method=method, form=target.form, seconds=seconds)
            )
    ratios = sorted(a.rate / b.rate for a, b in zip(mine, other, strict=True))
    return Row(median_result(mine), median_result(other), ratios[len(ratios) // 2])


def shared_rows(
    ours: str, theirs: str, forms: tuple[dict[str, str], dict[str, str]], seconds: int
) -> list[Row]:
    """client_credentials at 1 and 8, discovery and JWKS at 8: the rows both servers run."""
    our_form, their_form = forms
    rounds = 3
    rows = [
        paired(
            "token client_credentials",
            concurrency,
            Target(f"{ours}/oauth/token", our_form),
            Target(f"{theirs}/token", their_form),
            seconds,
            rounds,
        )
        for concurrency in (1, 8)
    ]
    discovery = "/.well-known/openid-configuration"
    rows.append(paired("discovery", 8, Target(ours + discovery), Target(theirs + discovery), seconds, rounds))
    jwks = Target(f"{ours}/.well-known/jwks.json"), Target(f"{theirs}/jwks")
    rows.append(paired("jwks", 8, *jwks, seconds, rounds))
    return rows


def setup(data: Path) -> dict[str, dict[str, str]]:
    """The bench tenant through the CLI: an API, an m2m app (the Management API too), a SPA and a
    native app allowed the password-realm grant."""
    cli(data, "apis", "create", "--name", "Bench", "--identifier", AUDIENCE, "--scopes", "read,write")
    app = cli(data, "apps", "create", "--name", "Bench", "--type", "m2m")
    for api, scopes in (
        (AUDIENCE, "read,write"),
        (management_api.IDENTIFIER, "read:users,update:tenant_settings"),
    ):
        cli(data, "apps", "authorize", "--app", app["client_id"], "--api", api, "--scopes", scopes)
    spa = cli(data, "apps", "create", "--name", "Bench SPA", "--type", "spa", "--callbacks", CALLBACK)
    native = cli(
        data, "apps", "create", "--name", "Bench native", "--type", "native", "--grants", REALM_GRANT
    )
    return {"m2m": app, "spa": spa, "native": native}


async def main(seconds: int, logins: int) -> None:
    ceiling = openssl_rsa2048_signs()
    login_ceiling = pbkdf2_ceiling()
    emails, password = [f"bench{i}@example.com" for i in range(4)], "bench password 1"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        apps = setup(data)
        user_ids = [
            cli(data, "users", "create", "--email", e, "--password", password)["user_id"] for e in emails
        ]
        form = {
            "grant_type": "client_credentials",
            "audience": AUDIENCE,
            "client_id": apps["m2m"]["client_id"],
            "client_secret": apps["m2m"]["client_secret"],
        }
        started = time.monotonic()
        server = PinnedServer(data)
        with server:
            cold_start = first_token_seconds(server, started, form)
            anchor_form = {
                "grant_type": "client_credentials",
                "client_id": "bench",
                "client_secret": "bench-" * 6,
                "scope": "read write",
            }
            with anchor("bench", anchor_form["client_secret"]) as anchor_url:
                shared = shared_rows(server.base_url, anchor_url, (form, anchor_form), seconds)
            with floor_server() as floor_url:
                ours = Target(f"{server.base_url}/oauth/token", form)
                floor_row = paired(
                    "token client_credentials", 8, ours, Target(f"{floor_url}/oauth/token", form), seconds, 3
                )
            bearer = management_bearer(server.base_url, form)
            alone = [
                run_wrk(
                    "mgmt GET /users/{id}",
                    f"{server.base_url}/api/v2/users/{user_ids[0]}",
                    8,
                    headers=bearer,
                    seconds=seconds,
                ),
                run_wrk(
                    "mgmt GET /users?q= (D1 search)",
                    f"{server.base_url}/api/v2/users?q=email:bench*",
                    8,
                    headers=bearer,
                    seconds=seconds,
                ),
            ]
            realm = {
                "grant_type": REALM_GRANT,
                "client_id": apps["native"]["client_id"],
                "username": emails[1],
                "password": password,
                "realm": "Username-Password-Authentication",
                "scope": "openid",
            }
            login_rows = [
                run_wrk(
                    "login password-realm grant",
                    f"{server.base_url}/oauth/token",
                    1,
                    method="POST",
                    form=realm,
                    seconds=seconds,
                )
            ]
            flows = []
            for concurrency in (1, 4):
                spent, latencies = await login_load(
                    server.base_url, apps["spa"]["client_id"], emails, password, concurrency, logins
                )
                flows.append(
                    Result("login (authorize→form→code→token)", concurrency, logins, spent, latencies)
                )
            rss = server.rss_mib()
    print(side_by_side(shared, ceiling), end="\n\n")
    tokens_at_8 = next(
        row for row in shared if row.ours.name.startswith("token") and row.ours.concurrency == 8
    )
    print(against_floor(floor_row, tokens_at_8), end="\n\n")
    discovery = next(row.ours.rate for row in shared if row.ours.name == "discovery")
    print(edgeauth_alone(alone + login_rows, flows, discovery, login_ceiling, cold_start, rss), end="\n\n")
    await edge.main()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="seconds per wrk measurement")
    parser.add_argument("--logins", type=int, default=60, help="logins per full-flow measurement")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.logins))
