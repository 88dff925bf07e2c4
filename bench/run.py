"""edgeauth bench: token issuance, JWKS and discovery over HTTP against the RS256 signing ceiling.

Starts `edgeauth serve` on a fresh data folder, makes an m2m app with the CLI, then measures, in one
run on the same machine: client_credentials at concurrency 1 and 8, JWKS and discovery at 8, and
the ceiling — how many access tokens one core can sign and encode in a loop with no HTTP. Prints a
table; token req/s is also shown as a fraction of that ceiling. Numbers, never assertions.

Then the edge-mode section (bench/edge.py): boot time and token latency of the edge host next to
the local runtime.

Usage: `make bench` (or `.venv/bin/python -m bench.run [--requests N] [--logins N]`).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench import edge
from bench.admin import cli
from bench.http_load import Result, load
from bench.login import CALLBACK, login_load, pbkdf2_ceiling
from edgeauth import management_api
from edgeauth.runtime.local.process import ServerProcess

AUDIENCE = "https://bench.example/"


async def signing_ceiling(seconds: float = 3.0) -> float:
    """Access tokens signed and encoded per second on one core: the same code the endpoint runs."""
    from edgeauth.jose import sign_jwt
    from edgeauth.keys.keyset import new_signing_key
    from edgeauth.platform import Platform, Settings
    from edgeauth.runtime.local.crypto import CPythonCrypto, new_secret_key

    crypto = CPythonCrypto(new_secret_key())
    platform = Platform(
        config=None,
        db=None,
        users=None,
        user_events=None,  # type: ignore[arg-type]
        crypto=crypto,
        settings=Settings(),
    )
    key = await new_signing_key(platform)
    claims = {
        "iss": "http://localhost/",
        "sub": "x@clients",
        "aud": AUDIENCE,
        "iat": 0,
        "exp": 86400,
        "azp": "x",
        "scope": "read write",
        "gty": "client-credentials",
    }
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        await sign_jwt(platform, key, claims)
        count += 1
    return count / (time.perf_counter() - started)


def table(results: list[Result], ceiling: float, login_ceiling: float) -> str:
    """Ratios: tokens against RS256 signing, logins against PBKDF2, the Management API against
    discovery at the same concurrency (what a request costs before any work of its own)."""
    discovery_rate = next(r.rate for r in results if r.name == "discovery")
    lines = [
        f"{'measurement':<34} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'of ceiling':>10}",
        "-" * 77,
    ]
    for r in results:
        ratio = ""
        if r.name.startswith("token"):
            ratio = f"{r.rate / ceiling:.2f}"
        elif r.name.startswith("login"):
            ratio = f"{r.rate / login_ceiling:.2f}"
        elif r.name.startswith("mgmt"):
            ratio = f"{r.rate / discovery_rate:.2f}"
        lines.append(
            f"{r.name:<34} {r.concurrency:>4} {r.rate:>8.0f} {r.percentile(0.5):>8.2f} "
            f"{r.percentile(0.99):>8.2f} {ratio:>10}"
        )
    lines.append(f"{'RS256 sign+encode ceiling (1 core)':<34} {'':>4} {ceiling:>8.0f}")
    lines.append(f"{'PBKDF2 100k ceiling (1 core)':<34} {'':>4} {login_ceiling:>8.1f}")
    return "\n".join(lines)


async def management_bearer(server: ServerProcess, form: dict[str, str]) -> dict[str, str]:
    """A Management API token for the bench app, with the tenant's rate limit lifted."""
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        issued = await http.post("/oauth/token", data={**form, "audience": f"{server.base_url}/api/v2/"})
        bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        lifted = await http.patch(
            "/api/v2/tenants/settings",
            json={"management_api_rate_limit": {"requests": 100000}},
            headers=bearer,
        )
        lifted.raise_for_status()
    return bearer


async def main(requests: int, logins: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        cli(data, "apis", "create", "--name", "Bench", "--identifier", AUDIENCE, "--scopes", "read,write")
        app = cli(data, "apps", "create", "--name", "Bench", "--type", "m2m")
        cli(data, "apps", "authorize", "--app", app["client_id"], "--api", AUDIENCE, "--scopes", "read,write")
        form = {
            "grant_type": "client_credentials",
            "audience": AUDIENCE,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        }
        spa = cli(data, "apps", "create", "--name", "Bench SPA", "--type", "spa", "--callbacks", CALLBACK)
        realm_grant = "http://auth0.com/oauth/grant-type/password-realm"
        native = cli(
            data, "apps", "create", "--name", "Bench native", "--type", "native", "--grants", realm_grant
        )
        emails, password = [f"bench{i}@example.com" for i in range(4)], "bench password 1"
        user_ids = [
            cli(data, "users", "create", "--email", e, "--password", password)["user_id"] for e in emails
        ]
        cli(
            data,
            "apps",
            "authorize",
            "--app",
            app["client_id"],
            "--api",
            management_api.IDENTIFIER,
            "--scopes",
            "read:users,update:tenant_settings",
        )
        with ServerProcess(data) as server:
            print(f"server answered {server.startup_seconds:.2f} s after start", flush=True)

            token = ("POST", "/oauth/token", form)
            jwks = ("GET", "/.well-known/jwks.json", None)
            discovery = ("GET", "/.well-known/openid-configuration", None)
            bearer = await management_bearer(server, form)
            results = [
                await load(server.base_url, "token client_credentials", token, 1, requests),
                await load(server.base_url, "token client_credentials", token, 8, requests),
                await load(server.base_url, "jwks", jwks, 8, requests),
                await load(server.base_url, "discovery", discovery, 8, requests),
                await load(
                    server.base_url,
                    "mgmt GET /users/{id}",
                    ("GET", f"/api/v2/users/{user_ids[0]}", None),
                    8,
                    requests,
                    bearer,
                ),
                await load(
                    server.base_url,
                    "mgmt GET /users?q= (D1 search)",
                    ("GET", "/api/v2/users?q=email:bench*", None),
                    8,
                    requests,
                    bearer,
                ),
            ]
            realm_login = {
                "grant_type": realm_grant,
                "client_id": native["client_id"],
                "username": emails[1],
                "password": password,
                "realm": "Username-Password-Authentication",
                "scope": "openid",
            }
            results.append(
                await load(
                    server.base_url,
                    "login password-realm grant",
                    ("POST", "/oauth/token", realm_login),
                    1,
                    logins,
                )
            )
            for concurrency in (1, 4):
                seconds, latencies = await login_load(
                    server.base_url, spa["client_id"], emails, password, concurrency, logins
                )
                results.append(
                    Result("login (authorize→form→code→token)", concurrency, logins, seconds, latencies)
                )
    ceiling = await signing_ceiling()
    print(table(results, ceiling, pbkdf2_ceiling()))
    print("load generator and server share this machine's cores; compare ratios, not absolutes\n")
    await edge.main()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per measurement")
    parser.add_argument("--logins", type=int, default=60, help="logins per measurement")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.logins))
