"""The edge host serves the real bundle the way Workers run it: HTTP, bindings, Durable Objects,
queues, alarms and production's WebCrypto limits. Real processes over loopback, nothing mocked."""

from __future__ import annotations

import asyncio
import time

import jwt

from edgeauth.runtime.local.crypto import CPythonCrypto, new_secret_key
from edgeauth.users.passwords import hash_password, verify_password
from tests.edge.conftest import EdgeHost

AUDIENCE = "https://edge.example/"
QUEUE_DEADLINE_S = 15


def test_discovery_jwks_and_a_client_credentials_token_pyjwt_verifies(edge: EdgeHost) -> None:
    edge.admin("apis", "create", "--name", "Edge", "--identifier", AUDIENCE, "--scopes", "read:edge")
    app = edge.admin("apps", "create", "--name", "Edge M2M", "--type", "m2m")
    edge.admin("apps", "authorize", "--app", app["client_id"], "--api", AUDIENCE, "--scopes", "read:edge")

    with edge.http() as http:
        discovery = http.get("/.well-known/openid-configuration")
        assert discovery.status_code == 200
        issuer = discovery.json()["issuer"]
        assert issuer == f"http://{edge.domain}/"
        jwks = http.get("/.well-known/jwks.json")
        assert jwks.status_code == 200
        assert jwks.headers["access-control-allow-origin"] == "*"
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "audience": AUDIENCE,
            },
        )
    assert token.status_code == 200, token.text
    access_token = token.json()["access_token"]

    # Signed by WebCrypto inside Pyodide, verified by PyJWT + cryptography on CPython.
    kid = jwt.get_unverified_header(access_token)["kid"]
    key = jwt.PyJWKSet.from_dict(jwks.json())[kid]
    claims = jwt.decode(access_token, key.key, algorithms=["RS256"], audience=AUDIENCE, issuer=issuer)
    assert claims["sub"] == f"{app['client_id']}@clients"
    assert claims["scope"] == "read:edge"


def test_admin_errors_come_back_as_the_cli_reports_them(edge: EdgeHost) -> None:
    with edge.http() as http:
        usage = http.post("/cdn-cgi/edgeauth/admin", json={"argv": ["nope"]})
        missing = http.post(
            "/cdn-cgi/edgeauth/admin",
            json={"argv": ["apps", "authorize", "--app", "no-such-app", "--api", AUDIENCE]},
        )
    assert usage.status_code == 400 and "invalid choice" in usage.json()["message"]
    assert missing.status_code == 404 and missing.json()["errorCode"] == "inexistent_client"


def test_durable_object_calls_run_one_at_a_time(edge: EdgeHost) -> None:
    """50 concurrent RPC calls at one object, each reading a counter, yielding to the event loop
    and writing counter + 1: without the per-object queue every call reads 0 (counter 1)."""
    report = edge.harness("do-probe", {"calls": 50})
    assert report["counter"] == 50
    assert report["overlaps"] == 0
    assert report["distinct_results"] == 50
    assert report["events"] == 100


def test_durable_object_alarm_fires_when_due(edge: EdgeHost) -> None:
    report = edge.harness("do-probe", {"alarm_in_ms": 200})
    assert report["alarms"] == 1, report
    assert report["alarm_set"] is None  # a fired alarm is no longer set
    assert 200 <= report["fired_after_ms"] < 2000


def test_password_hashes_verify_across_runtimes(edge: EdgeHost) -> None:
    password = "correct horse battery"
    cpython = CPythonCrypto(new_secret_key())

    hashed_at_edge = edge.harness("crypto", {"op": "hash_password", "password": password})["hash"]
    assert hashed_at_edge.startswith("$pbkdf2-sha256$i=100000$")
    assert asyncio.run(verify_password(cpython, password, hashed_at_edge))
    assert not asyncio.run(verify_password(cpython, "wrong password", hashed_at_edge))

    hashed_on_cpython = asyncio.run(hash_password(cpython, password))
    verify = {"op": "verify_password", "password": password, "hash": hashed_on_cpython}
    assert edge.harness("crypto", verify) == {"ok": True}
    assert edge.harness("crypto", {**verify, "password": "wrong password"}) == {"ok": False}


def test_pbkdf2_above_100000_iterations_fails_as_in_production(edge: EdgeHost) -> None:
    assert edge.harness("crypto", {"op": "pbkdf2", "iterations": 100_000}) == {"ok": True}
    refused = edge.harness("crypto", {"op": "pbkdf2", "iterations": 100_001})
    assert refused == {
        "error": "NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not supported"
    }


def test_the_signature_timing_the_bench_prints_runs_both_signatures(edge: EdgeHost) -> None:
    """bench/edge.py's signature line: the port's `sign_rs256` and WebCrypto's, each timed."""
    times = edge.harness("crypto", {"op": "sign_rs256", "count": 3})
    assert set(times) == {"from_python_ms", "webcrypto_ms"}
    assert all(isinstance(ms, float) and ms > 0 for ms in times.values()), times


def test_user_events_reach_d1_through_the_queue(edge: EdgeHost) -> None:
    """users create -> UserObject -> USER_EVENTS (Miniflare) -> forwarder -> Default.queue -> D1."""
    user = edge.admin("users", "create", "--email", "queue@example.com", "--password", "long enough pw")
    deadline = time.monotonic() + QUEUE_DEADLINE_S
    rows: list[dict] = []
    while time.monotonic() < deadline:
        rows = edge.d1("SELECT user_id, email, version FROM users WHERE email = 'queue@example.com'")
        if rows:
            break
        time.sleep(0.2)
    assert rows == [{"user_id": user["user_id"], "email": "queue@example.com", "version": 1}]


def test_a_token_exchange_is_logged_in_d1_through_the_queue(edge: EdgeHost) -> None:
    """The `seccft` event as a `log_rows` row: the Worker -> USER_EVENTS (Miniflare) ->
    Default.queue -> D1, its absent fields arriving as nulls through the JS conversions."""
    audience = "https://logged.example/"
    edge.admin("apis", "create", "--name", "Logged", "--identifier", audience, "--scopes", "read")
    app = edge.admin("apps", "create", "--name", "Logged", "--type", "m2m")
    edge.admin("apps", "authorize", "--app", app["client_id"], "--api", audience, "--scopes", "read")
    credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    with edge.http() as http:
        issued = http.post(
            "/oauth/token", data={"grant_type": "client_credentials", "audience": audience, **credentials}
        )
    assert issued.status_code == 200, issued.text
    deadline = time.monotonic() + QUEUE_DEADLINE_S
    rows: list[dict] = []
    while time.monotonic() < deadline and not rows:
        logged = edge.d1("SELECT * FROM logs WHERE type = 'seccft'")
        rows = [row for row in logged if row["client_id"] == app["client_id"]]
        time.sleep(0.2)
    [row] = rows
    assert row["description"] == "Client Credentials for Access Token" and row["client_name"] == "Logged"
    assert row["details"] == '{"grant_type":"client_credentials"}'
    assert row["user_id"] is None and row["user_name"] is None and row["connection"] is None
    millis = int(row["log_id"][:15])
    second = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millis // 1000))
    assert row["date"] == f"{second}.{millis % 1000:03d}Z"


def test_cron_trigger_runs_the_scheduled_handler(edge: EdgeHost) -> None:
    with edge.http() as http:
        before = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
        triggered = http.post("/cdn-cgi/handler/scheduled")
        after = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
    assert triggered.status_code == 200 and triggered.json() == {"ok": True}
    assert after != before  # the daily rotation published a new next key


def test_harness_d1_reads_are_select_only(edge: EdgeHost) -> None:
    with edge.http() as http:
        refused = http.get("/cdn-cgi/edgeauth/d1", params={"sql": "DELETE FROM users"})
        stacked = http.get("/cdn-cgi/edgeauth/d1", params={"sql": "SELECT 1; DELETE FROM users"})
    assert refused.status_code == 400 and stacked.status_code == 400
