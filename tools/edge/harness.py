"""Harness-only endpoints of the edge host, under `/cdn-cgi/edgeauth/` (never in the bundle).

Loaded into Pyodide after the main module, beside the bundle; the host serves them on loopback
only. They let tests do in edge mode what they do with the CLI on the local data folder, and
check what only the edge host can show:

    POST /cdn-cgi/edgeauth/admin     {"argv": [...]}: an admin verb (edgeauth.admin.commands)
    POST /cdn-cgi/edgeauth/crypto    {"op": "hash_password" | "verify_password" | "pbkdf2", ...}
    POST /cdn-cgi/edgeauth/do-probe  {"calls": N}: N concurrent RPC calls at one Durable Object;
                                     {"alarm_in_ms": T}: an alarm set T ms ahead, fired?
    GET  /cdn-cgi/edgeauth/d1?sql=SELECT...  read-only query on the D1 binding
    GET  /cdn-cgi/edgeauth/bindings  calls made through each KV / queue binding (host.mjs answers)

Each runs with the Worker's env (its bindings, vars and secret), through the Cloudflare adapters.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import js
from pyodide.ffi import JsException, to_js
from workers import DurableObject

from edgeauth.admin.commands import UsageError, run_admin_command
from edgeauth.admin.errors import AdminError
from edgeauth.encoding import b64url_encode
from edgeauth.runtime.cloudflare.bindings import DurableObjectNamespace
from edgeauth.runtime.cloudflare.convert import js_bytes
from edgeauth.runtime.cloudflare.platform import platform_from_env, wrap_env
from edgeauth.users.passwords import hash_password, verify_password

PREFIX = "/cdn-cgi/edgeauth/"
PROBE_BINDING = "EDGEHOST_PROBE"
PROBE_SLEEPS = 3
ALARM_WAIT_S = 5


class EdgeHostProbe(DurableObject):
    """A counter read, then written after a few awaits: concurrent calls lose increments unless
    the host delivers one call at a time to the object. Also counts the alarms it receives."""

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS probe (k TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        self.inside = 0
        self.overlaps = 0
        self.events: list[str] = []

    def _read(self, key: str) -> int:
        rows = self.ctx.storage.sql.exec("SELECT n FROM probe WHERE k = ?", key).toArray()
        return int(rows[0]["n"]) if rows else 0

    def _write(self, key: str, value: int) -> None:
        self.ctx.storage.sql.exec("INSERT OR REPLACE INTO probe (k, n) VALUES (?, ?)", key, value)

    async def bump(self) -> int:
        self.inside += 1
        self.events.append("enter")
        if self.inside > 1:
            self.overlaps += 1
        value = self._read("counter")
        for _ in range(PROBE_SLEEPS):
            await asyncio.sleep(0)
        self._write("counter", value + 1)
        self.events.append("exit")
        self.inside -= 1
        return value + 1

    async def arm(self, delay_ms: int) -> int:
        when = int(time.time() * 1000) + delay_ms
        await self.ctx.storage.setAlarm(when)
        return when

    async def alarm(self, alarm_info: Any = None) -> None:
        self._write("alarms", self._read("alarms") + 1)

    async def report(self) -> dict[str, Any]:
        return {
            "counter": self._read("counter"),
            "overlaps": self.overlaps,
            "events": len(self.events),
            "alarms": self._read("alarms"),
            "alarm_set": await self.ctx.storage.getAlarm(),
        }


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return b64url_encode(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _reply(status: int, body: Any) -> Any:
    text = json.dumps(body, default=_json_default, separators=(",", ":"))
    return to_js({"status": status, "body": text}, dict_converter=js.Object.fromEntries)


def _write_files(files: dict[str, Any]) -> None:
    for name, text in files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(str(text))


async def _admin(env: Any, payload: dict[str, Any]) -> Any:
    """`files` ({path: text}) are written into Pyodide's in-memory file system first, at the same
    paths, so a verb that reads a file (`users import FILE`) reads what the local CLI would."""
    argv, files = payload.get("argv"), payload.get("files") or {}
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        return _reply(400, {"message": "argv must be a list of strings"})
    _write_files(dict(files))
    try:
        return _reply(200, await run_admin_command(platform_from_env(env), argv))
    except AdminError as exc:
        return _reply(exc.status, exc.to_json())
    except UsageError as exc:
        return _reply(400, {"message": str(exc)})


async def _raw_pbkdf2(iterations: int) -> dict[str, Any]:
    """PBKDF2 straight through WebCrypto, past the adapter's own cap check: what does the runtime
    (here: the host) do with this iteration count?"""
    subtle = js.crypto.subtle
    params = {
        "name": "PBKDF2",
        "hash": "SHA-256",
        "salt": js_bytes(b"edge-host-salt"),
        "iterations": iterations,
    }
    try:
        key = await subtle.importKey("raw", js_bytes(b"password"), "PBKDF2", False, to_js(["deriveBits"]))
        await subtle.deriveBits(to_js(params, dict_converter=js.Object.fromEntries), key, 256)
    except JsException as exc:
        return {"error": f"{exc.name}: {exc.message}"}
    return {"ok": True}


async def _crypto(env: Any, payload: dict[str, Any]) -> Any:
    crypto = platform_from_env(env).crypto
    op = payload.get("op")
    if op == "hash_password":
        return _reply(200, {"hash": await hash_password(crypto, str(payload["password"]))})
    if op == "verify_password":
        ok = await verify_password(crypto, str(payload["password"]), str(payload["hash"]))
        return _reply(200, {"ok": ok})
    if op == "pbkdf2":
        return _reply(200, await _raw_pbkdf2(int(payload["iterations"])))
    if op == "sign_rs256":
        return _reply(200, await _signing_times(crypto, int(payload["count"])))
    return _reply(400, {"message": f"unknown op {op!r}"})


async def _signing_times(crypto: Any, count: int) -> dict[str, float]:
    """One RS256 signature as the token endpoint asks for it (`Crypto.sign_rs256`: the adapter,
    WebCrypto, the awaited promise), timed from Python, one after another; and WebCrypto's own
    `sign` timed in JS (bench/edge.py prints both)."""
    jwk = await crypto.generate_rs256_key()
    await crypto.sign_rs256(jwk, b"warm")
    started = time.perf_counter()
    for n in range(count):
        await crypto.sign_rs256(jwk, b"header.claims-%d" % n)
    from_python = (time.perf_counter() - started) * 1000 / count
    timed = await js.Function.new(
        "n",
        """return (async () => {
            const algorithm = {
                name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048,
                publicExponent: new Uint8Array([1, 0, 1]),
            };
            const { privateKey } = await crypto.subtle.generateKey(algorithm, false, ["sign"]);
            const data = new TextEncoder().encode("header.claims");
            await crypto.subtle.sign(algorithm.name, privateKey, data);
            const started = performance.now();
            for (let i = 0; i < n; i++) await crypto.subtle.sign(algorithm.name, privateKey, data);
            return (performance.now() - started) / n;
        })();""",
    )(count)
    return {"from_python_ms": from_python, "webcrypto_ms": float(timed)}


_probe_numbers = itertools.count(1)


async def _do_probe(probe_env: Any, payload: dict[str, Any]) -> Any:
    """On a fresh probe object, through the SDK-wrapped namespace and the adapter (the path the
    core's calls to UserObject take): `{"calls": N}` fires N concurrent calls; `{"alarm_in_ms":
    T}` sets an alarm T ms ahead and waits (up to ALARM_WAIT_S) for it to fire."""
    namespace = DurableObjectNamespace(getattr(wrap_env(probe_env), PROBE_BINDING))
    stub = namespace.get_by_name(f"probe-{next(_probe_numbers)}")
    if "alarm_in_ms" in payload:
        armed_at = time.monotonic()
        await stub.call("arm", int(payload["alarm_in_ms"]))
        while time.monotonic() - armed_at < ALARM_WAIT_S:
            report = await stub.call("report")
            if report["alarms"]:
                waited_ms = round((time.monotonic() - armed_at) * 1000)
                return _reply(200, {**report, "fired_after_ms": waited_ms})
            await asyncio.sleep(0.05)
        return _reply(200, {**await stub.call("report"), "fired_after_ms": None})
    calls = int(payload.get("calls", 50))
    results = await asyncio.gather(*(stub.call("bump") for _ in range(calls)))
    report = await stub.call("report")
    return _reply(200, {**report, "calls": calls, "distinct_results": len(set(results))})


async def _d1(env: Any, query: dict[str, list[str]]) -> Any:
    sql = (query.get("sql") or [""])[0]
    if not sql.lstrip().upper().startswith("SELECT") or ";" in sql.strip().rstrip(";"):
        return _reply(400, {"message": "one SELECT statement only"})
    return _reply(200, {"results": await platform_from_env(env).db.all(sql, *query.get("param", []))})


async def handle(method: str, path: str, query_string: str, body: str, env: Any, probe_env: Any) -> Any:
    """One harness request; returns a JS `{status, body}` (body: JSON text). `probe_env` holds
    the probe's namespace binding (`EDGEHOST_PROBE`)."""
    route = path.removeprefix(PREFIX)
    if method == "GET" and route == "d1":
        return await _d1(env, parse_qs(query_string))
    if method != "POST" or route not in ("admin", "crypto", "do-probe"):
        return _reply(404, {"message": f"no harness endpoint {method} {path}"})
    try:
        payload = json.loads(body or "{}")
    except ValueError:
        return _reply(400, {"message": "the body must be JSON"})
    if not isinstance(payload, dict):
        return _reply(400, {"message": "the body must be a JSON object"})
    if route == "admin":
        return await _admin(env, payload)
    if route == "crypto":
        return await _crypto(env, payload)
    return await _do_probe(probe_env, payload)
