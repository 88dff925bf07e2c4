"""Crash and load: signups, password changes, logins and refresh rotations against `edgeauth serve`,
which is killed with SIGKILL at random moments and restarted on the same data folder and port.

What must hold afterwards (docs/decisions.md, "Production path"):

- every write answered 200 is there: each acknowledged signup logs in with its last acknowledged
  password (a change in flight at a kill may have landed or not: one of the two works, never
  neither); the last acknowledged refresh token of each family rotates, unless an acknowledged
  password change revoked it (then it must not);
- no family is left half-rotated: a rotation in flight at a kill either happened (its old token is
  then refused, as a reuse) or did not (the old token rotates), and never answers 5xx;
- no request is ever answered 5xx;
- the queue delivers its backlog, nothing is dead-lettered, and D1 matches the Durable Objects:
  `edgeauth users reconcile` finds nothing to repair.

`make test` runs a short version (tests/test_crash_recovery.py); `make chaos` the long one:
`python -m tests.chaos --kills 12 --workers 8`. Counts are printed either way.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sqlite3
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from edgeauth import management_api
from edgeauth.runtime.local.process import ServerProcess
from tests.conftest import run_cli

DATABASE = "Username-Password-Authentication"
REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"
QUEUE = "edgeauth-user-events"
DEAD_LETTERS = "edgeauth-user-events-dlq"
# Connection refused: the request never reached the server. Anything else on the way back means it
# may or may not have been applied.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
UNKNOWN = (httpx.TransportError,)


@dataclass
class Account:
    email: str
    password: str  # the last acknowledged one
    user_id: str
    # A change in flight when the server died: either password may be the one that holds.
    maybe_password: str | None = None
    busy: bool = False  # a change of this account's password is under way
    # Acknowledged password changes: each revokes the account's refresh tokens, as Auth0's does.
    changes: int = 0


@dataclass
class Family:
    account: Account
    token: str  # the last acknowledged refresh token
    changes: int  # the account's password changes when it was issued (later ones revoke it)
    # A rotation in flight when the server died: `token` may have been used up.
    uncertain: bool = False


@dataclass
class Run:
    base_url: str
    native_id: str
    bearer: dict[str, str]
    accounts: list[Account] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)
    acked: Counter[str] = field(default_factory=Counter)
    in_flight: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    up: asyncio.Event = field(default_factory=asyncio.Event)
    serial: int = 0

    def check(self, kind: str, response: httpx.Response) -> bool:
        """True on 200; a 5xx is recorded as a failure, anything else as a refusal."""
        if response.status_code == 200:
            self.acked[kind] += 1
            return True
        if response.status_code >= 500:
            self.server_errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
        else:
            self.refused[f"{kind} {response.status_code}"] += 1
        return False


def realm_login(run: Run, email: str, password: str) -> dict[str, str]:
    return {
        "grant_type": REALM_GRANT,
        "client_id": run.native_id,
        "username": email,
        "password": password,
        "realm": DATABASE,
        "scope": "openid offline_access",
    }


async def signup(run: Run, http: httpx.AsyncClient) -> None:
    run.serial += 1
    email, password = f"chaos{run.serial}@example.com", f"first password {run.serial}"
    body = {"client_id": run.native_id, "connection": DATABASE, "email": email, "password": password}
    try:
        response = await http.post("/dbconnections/signup", json=body)
    except NOT_SENT:
        return
    except UNKNOWN:
        run.in_flight["signup"] += 1  # it may exist; nothing below relies on it
        return
    if run.check("signup", response):
        run.accounts.append(Account(email, password, f"auth0|{response.json()['_id']}"))


async def change_password(run: Run, http: httpx.AsyncClient) -> None:
    settled = [a for a in run.accounts if a.maybe_password is None and not a.busy]
    if not settled:
        return
    account = random.choice(settled)
    run.serial += 1
    new = f"changed password {run.serial}"
    account.busy = True  # one change at a time per account: the last answer is the last change
    try:
        response = await http.patch(
            f"/api/v2/users/{account.user_id}",
            json={"password": new, "connection": DATABASE},
            headers=run.bearer,
        )
    except NOT_SENT:
        return
    except UNKNOWN:
        run.in_flight["password change"] += 1
        account.maybe_password = new
        return
    finally:
        account.busy = False
    if run.check("password change", response):
        account.password = new
        account.changes += 1


async def login(run: Run, http: httpx.AsyncClient) -> None:
    settled = [a for a in run.accounts if a.maybe_password is None]
    if not settled:
        return
    account = random.choice(settled)
    try:
        response = await http.post("/oauth/token", data=realm_login(run, account.email, account.password))
    except (*NOT_SENT, *UNKNOWN):
        return  # a login in flight changes nothing that must survive
    if run.check("login", response):
        run.families.append(Family(account, response.json()["refresh_token"], account.changes))


async def rotate(run: Run, http: httpx.AsyncClient) -> None:
    settled = [f for f in run.families if not f.uncertain and live(f)]
    if not settled:
        return
    family = random.choice(settled)
    form = {"grant_type": "refresh_token", "client_id": run.native_id, "refresh_token": family.token}
    family.uncertain = True  # no other worker rotates it meanwhile
    try:
        response = await http.post("/oauth/token", data=form)
    except NOT_SENT:
        family.uncertain = False
        return
    except UNKNOWN:
        run.in_flight["rotation"] += 1
        return
    if run.check("rotation", response):
        family.token = response.json()["refresh_token"]
    family.uncertain = False


def live(family: Family) -> bool:
    """No password change of its account revoked it, or may have."""
    account = family.account
    return family.changes == account.changes and account.maybe_password is None


OPERATIONS = (signup, signup, change_password, login, login, rotate, rotate, rotate)


async def worker(run: Run, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=run.base_url, timeout=30) as http:
        while not stop.is_set():
            await run.up.wait()
            await random.choice(OPERATIONS)(run, http)


async def killer(server: ServerProcess, run: Run, kills: int, rng: random.Random) -> None:
    """SIGKILL at a random moment, `kills` times; restart on the same folder and port each time."""
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(0.5, 2.0))
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        run.up.clear()
        await asyncio.to_thread(server.start)
        run.up.set()


def queue_counts(data: Path) -> tuple[int, int]:
    """Messages still on USER_EVENTS, and on its dead-letter queue (the local queue's own file)."""
    with sqlite3.connect(data / "queue.sqlite") as conn:
        pending = conn.execute("SELECT count(*) FROM queue_messages WHERE queue = ?", (QUEUE,)).fetchone()[0]
        dead = conn.execute(
            "SELECT count(*) FROM queue_messages WHERE queue = ?", (DEAD_LETTERS,)
        ).fetchone()[0]
    return int(pending), int(dead)


def drained(data: Path, seconds: float = 60) -> tuple[int, int]:
    """`queue_counts` once the backlog is delivered, or when `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while (counts := queue_counts(data))[0] and time.monotonic() < deadline:
        time.sleep(0.2)
    return counts


async def verify(run: Run, data: Path) -> Counter[str]:
    """After the last restart, with the load stopped: the checks of the module docstring."""
    outcome: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=run.base_url, timeout=30) as http:
        for account in run.accounts:
            candidates = [account.password, *([account.maybe_password] if account.maybe_password else [])]
            statuses = [
                (await http.post("/oauth/token", data=realm_login(run, account.email, p))).status_code
                for p in candidates
            ]
            if any(s >= 500 for s in statuses):
                run.server_errors.append(f"login check of {account.email}: {statuses}")
            outcome["lost signups or password changes"] += 200 not in statuses
        for family in run.families:
            form = {"grant_type": "refresh_token", "client_id": run.native_id, "refresh_token": family.token}
            status = (await http.post("/oauth/token", data=form)).status_code
            if status >= 500:
                run.server_errors.append(f"rotation check: {status}")
            elif family.uncertain:
                outcome["in-flight rotations that " + ("had not happened" if status == 200 else "had")] += 1
            elif live(family):
                outcome["lost rotations"] += status != 200
            elif family.account.maybe_password is None:
                outcome["revoked by a password change, yet rotated"] += status == 200
    outcome["queue backlog left"], outcome["dead-lettered"] = await asyncio.to_thread(drained, data)
    report = await asyncio.to_thread(run_cli, data, "users", "reconcile")
    outcome["users checked by reconcile"] = int(report["checked"])
    outcome["repaired by reconcile"] = len(report["repaired"]) + len(report["deleted"])
    return outcome


FAILURES = (
    "lost signups or password changes",
    "lost rotations",
    "revoked by a password change, yet rotated",
    "queue backlog left",
    "dead-lettered",
    "repaired by reconcile",
)


def failed(run: Run, result: Counter[str]) -> bool:
    return bool(run.server_errors) or any(result[name] for name in FAILURES)


def setup(data: Path) -> tuple[str, dict[str, str]]:
    """A native app (password-realm, refresh tokens) and an m2m app allowed to update users."""
    grants = f"{REALM_GRANT},refresh_token"
    native = run_cli(data, "apps", "create", "--name", "Chaos", "--type", "native", "--grants", grants)
    m2m = run_cli(data, "apps", "create", "--name", "Chaos admin", "--type", "m2m")
    run_cli(
        data,
        "apps",
        "authorize",
        "--app",
        m2m["client_id"],
        "--api",
        management_api.IDENTIFIER,
        "--scopes",
        "read:users,update:users",
    )
    form = {
        "grant_type": "client_credentials",
        "client_id": m2m["client_id"],
        "client_secret": m2m["client_secret"],
    }
    return native["client_id"], form


async def chaos(data: Path, kills: int, workers: int, seed: int) -> tuple[Run, Counter[str]]:
    native_id, m2m_form = setup(data)
    server = ServerProcess(data)
    with server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            audience = f"http://127.0.0.1:{server.port}/api/v2/"
            issued = (await http.post("/oauth/token", data={**m2m_form, "audience": audience})).json()
        run = Run(server.base_url, native_id, {"Authorization": f"Bearer {issued['access_token']}"})
        run.up.set()
        stop = asyncio.Event()
        load = [asyncio.create_task(worker(run, stop)) for _ in range(workers)]
        await killer(server, run, kills, random.Random(seed))
        await asyncio.sleep(1.0)  # some load on the last restart too
        stop.set()
        await asyncio.gather(*load)
        result = await verify(run, data)
    return run, result


def report(run: Run, result: Counter[str], kills: int) -> str:
    lines = [f"kills: {kills}"]
    lines += [f"acknowledged {kind}: {n}" for kind, n in sorted(run.acked.items())]
    lines += [f"in flight at a kill, {kind}: {n}" for kind, n in sorted(run.in_flight.items())]
    lines += [f"refused {kind}: {n}" for kind, n in sorted(run.refused.items())]
    lines += [f"{name}: {result[name]}" for name in sorted({*result, *FAILURES})]
    lines.append(f"5xx answers: {len(run.server_errors)}")
    lines += run.server_errors[:10]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run, result = asyncio.run(chaos(Path(tmp), args.kills, args.workers, args.seed))
    print(f"seed {args.seed}")
    print(report(run, result, args.kills))
    if failed(run, result):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
