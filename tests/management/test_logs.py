"""Tenant logs: Auth0 log events of logins, token exchanges, logouts and Management API changes,
through the USER_EVENTS queue into D1, read with `GET /api/v2/logs` (search and checkpoint)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from auth0.authentication import GetToken

from edgeauth import audit
from edgeauth.admin.tenants import ensure_default_tenant, update_settings
from edgeauth.cli import PROJECT_ROOT
from edgeauth.platform import Settings
from edgeauth.runtime.local.config import WorkerConfig
from edgeauth.runtime.local.crypto import CPythonCrypto
from edgeauth.runtime.local.host import LocalRuntime
from tests.browser import Browser, code_query, form_state, pkce_pair, redirect_params
from tests.conftest import eventually
from tests.local_runtime.support import ManualClock
from tests.management.conftest import Management, grant_management

EMAIL = "logs-user@example.com"
NEW_EMAIL = "logs-signup@example.com"
PASSWORD = "logs password 1"
CALLBACK = "https://logs-app.example/callback"
DAY = 86400


def list_logs(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/logs", params={"per_page": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


def by_type(logs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The oldest event of each type (`logs` is newest first)."""
    return {log["type"]: log for log in logs}


@pytest.fixture(scope="module")
def activity(mgmt: Management) -> dict[str, Any]:
    """A failed and a successful hosted-page login, a code exchange, a logout, Management API calls."""
    server = mgmt.server
    user = server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    app = server.cli("apps", "create", "--name", "Logs SPA", "--type", "spa", "--callbacks", CALLBACK)
    verifier, challenge = pkce_pair()
    query = code_query(app["client_id"], CALLBACK, challenge, state="s")
    assert Browser(server).login(query, EMAIL, "wrong password").status_code == 400
    browser = Browser(server)
    code = redirect_params(browser.login(query, EMAIL, PASSWORD))["code"]
    GetToken(server.domain, app["client_id"], protocol="http").authorization_code_pkce(
        verifier, code, CALLBACK
    )
    browser.follow(browser.request("GET", "/v2/logout"))
    for email, status in ((EMAIL, 400), (NEW_EMAIL, 302)):  # fs: the user exists; ss
        signup = Browser(server)
        form = {"state": form_state(signup.authorize(query)), "email": email, "password": PASSWORD}
        assert signup.request("POST", "/u/signup", data=form).status_code == status
    with mgmt.api() as api:
        created = api.post("/resource-servers", json={"identifier": "https://logs.example/api"})
        assert created.status_code == 201, created.text
        duplicate = api.post("/resource-servers", json={"identifier": "https://logs.example/api"})
        assert duplicate.status_code == 409, duplicate.text
        assert api.post("/no-such-endpoint").status_code == 404
        assert api.post("/resource-servers", headers={"Authorization": "Bearer forged"}).status_code == 401
        expected = {"f", "fs", "ss", "s", "seacft", "seccft", "slo", "sapi", "fapi"}
        logs = eventually(lambda: list_logs(api), lambda found: expected <= set(by_type(found)))
    return {"user": user, "app": app, "logs": logs}


def test_hosted_login_events(activity: dict[str, Any]) -> None:
    events = by_type(activity["logs"])
    success, failure = events["s"], events["f"]
    assert success["user_id"] == activity["user"]["user_id"]
    assert success["user_name"] == failure["user_name"] == EMAIL
    assert success["client_id"] == failure["client_id"] == activity["app"]["client_id"]
    assert success["client_name"] == "Logs SPA"
    assert success["connection"] == "Username-Password-Authentication"
    assert success["ip"] and "user_id" not in failure
    assert events["slo"]["user_id"] == activity["user"]["user_id"]
    assert events["fs"]["user_name"] == EMAIL and "user_id" not in events["fs"]
    assert events["ss"]["user_name"] == NEW_EMAIL and events["ss"]["user_id"].startswith("auth0|")


def test_token_and_management_api_events(mgmt: Management, activity: dict[str, Any]) -> None:
    events = by_type(activity["logs"])
    assert events["seacft"]["user_id"] == activity["user"]["user_id"]
    assert events["seacft"]["details"]["grant_type"] == "authorization_code"
    assert events["seccft"]["client_id"] == mgmt.client_id and "user_id" not in events["seccft"]
    assert events["sapi"]["client_id"] == mgmt.client_id
    assert events["sapi"]["details"]["request"] == {"method": "POST", "path": "/api/v2/resource-servers"}
    assert events["fapi"]["details"]["response"] == {"statusCode": 409}
    logged = [log["description"] for log in activity["logs"] if log["type"] in ("sapi", "fapi")]
    assert logged == ["POST /api/v2/resource-servers"] * 2  # no reads, unknown paths or refused tokens


def test_a_failed_exchange_is_logged(mgmt: Management, activity: dict[str, Any]) -> None:
    with mgmt.server.client() as http:
        form = {"grant_type": "client_credentials", "client_id": mgmt.client_id, "client_secret": "wrong"}
        assert http.post("/oauth/token", data=form).status_code == 401
    with mgmt.api() as api:
        found = eventually(lambda: list_logs(api, q="type:feccft"), bool)
    assert found[0]["client_id"] == mgmt.client_id


def test_checkpoint_paging_returns_each_event_once_in_id_order(mgmt: Management, activity: dict) -> None:
    with mgmt.api() as api:
        everything = list_logs(api)
        seen: list[str] = []
        response = api.get("/logs", params={"take": 2})
        while response.json():
            assert response.status_code == 200, response.text
            seen += [log["log_id"] for log in response.json()]
            assert 'rel="next"' in response.headers["link"]
            response = api.get("/logs", params={"from": seen[-1], "take": 2, "q": "type:s"})
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert set(seen) >= {log["log_id"] for log in everything}


def test_search_q_sort_fields_and_totals(mgmt: Management, activity: dict[str, Any]) -> None:
    with mgmt.api() as api:
        assert {log["type"] for log in list_logs(api, q="type:s OR type:f")} == {"s", "f"}
        assert [log["type"] for log in list_logs(api, q=f'user_name:"{EMAIL}" AND type:f')] == ["f"]
        newest_first = list_logs(api)
        assert [log["date"] for log in newest_first] == sorted(
            (log["date"] for log in newest_first), reverse=True
        )
        oldest_first = list_logs(api, sort="date:1")
        assert [log["log_id"] for log in oldest_first] == [log["log_id"] for log in reversed(newest_first)]
        assert all(set(log) == {"type", "log_id"} for log in list_logs(api, fields="type,log_id"))
        page = api.get("/logs", params={"include_totals": "true", "per_page": 2}).json()
        assert page["total"] == len(newest_first) and len(page["logs"]) == 2
        for params in (
            {"sort": "secret:1"},
            {"q": "password:x"},
            {"q": "type:("},
            {"page": 20, "per_page": 50},
        ):
            response = api.get("/logs", params=params)
            assert response.status_code == 400, (params, response.text)
            assert response.json()["errorCode"] == "invalid_query_string"


def test_one_log_and_a_users_logs(mgmt: Management, activity: dict[str, Any]) -> None:
    user_id = activity["user"]["user_id"]
    with mgmt.api() as api:
        one = by_type(activity["logs"])["s"]
        assert api.get(f"/logs/{one['log_id']}").json() == one
        missing = api.get("/logs/000000000000000nothing")
        assert missing.status_code == 404 and missing.json()["errorCode"] == "inexistent_log"
        mine = api.get(f"/users/{user_id}/logs", params={"sort": "date:1"}).json()
        assert {log["type"] for log in mine} >= {"s", "seacft", "slo"}
        assert all(log["user_id"] == user_id for log in mine)
    with mgmt.api("read:logs_users") as api:
        assert api.get(f"/users/{user_id}/logs").status_code == 200
        assert api.get("/logs").status_code == 403


def test_another_tenant_reads_none_of_these_logs(mgmt: Management, activity: dict[str, Any]) -> None:
    other = grant_management(mgmt.server, "logsother")
    with other.api() as api:
        theirs = {log["log_id"] for log in list_logs(api)}
        assert not theirs & {log["log_id"] for log in activity["logs"]}
        assert api.get(f"/logs/{activity['logs'][0]['log_id']}").status_code == 404
        assert api.get(f"/users/{activity['user']['user_id']}/logs").json() == []


# --- emission and retention on an in-process runtime with a hand-moved clock


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[LocalRuntime]:
    rt = LocalRuntime(
        tmp_path,
        config=WorkerConfig.load(PROJECT_ROOT / "wrangler.toml"),
        crypto=CPythonCrypto(os.urandom(32)),
        settings=Settings(),
        clock=ManualClock(),
    )
    await ensure_default_tenant(rt.platform)
    yield rt
    rt.close()


async def stored_ids(rt: LocalRuntime) -> list[str]:
    return [row["log_id"] for row in await rt.platform.db.all("SELECT log_id FROM logs ORDER BY log_id")]


async def test_a_redelivered_log_message_is_stored_once(runtime: LocalRuntime) -> None:
    events = [
        audit.event(runtime.platform, "default", audit.SUCCESS_LOGIN, user_id=f"auth0|{n}") for n in range(2)
    ]
    rows = audit.rows(events)
    [message] = audit.messages(rows)
    await runtime.platform.user_events.send(message)
    await runtime.platform.user_events.send(message)
    await runtime.drain_queues()
    assert await stored_ids(runtime) == sorted(str(row[1]) for row in rows)


async def test_a_row_is_stored_column_by_column(runtime: LocalRuntime) -> None:
    fields = {name: f"{name}-value" for name in audit.FIELDS}
    [row] = audit.rows(
        [audit.event(runtime.platform, "default", "seccft", "described", {"grant_type": "x"}, **fields)]
    )
    await runtime.platform.user_events.send(audit.messages([row])[0])
    await runtime.drain_queues()
    stored = await runtime.platform.db.first("SELECT * FROM logs WHERE log_id = ?", row[1])
    assert stored is not None
    assert {name: stored[name] for name in audit.COLUMNS} == dict(zip(audit.COLUMNS, row, strict=True))
    assert json.loads(stored["details"]) == {"grant_type": "x"} and stored["description"] == "described"


async def test_log_messages_of_earlier_versions_are_stored(runtime: LocalRuntime) -> None:
    def event(n: int) -> dict[str, Any]:
        return {
            "log_id": f"{n:015d}00",
            "date": "2026-12-01T00:00:00.000Z",
            "type": "s",
            "user_id": f"auth0|{n}",
        }

    await runtime.platform.user_events.send({"type": "log", "tenant_id": "default", "log": event(1)})
    entries = [{"tenant_id": "default", "log": event(n)} for n in (2, 3)]
    await runtime.platform.user_events.send({"type": "logs", "logs": entries})
    await runtime.drain_queues()
    assert await stored_ids(runtime) == [event(n)["log_id"] for n in (1, 2, 3)]


async def test_a_malformed_log_row_is_refused_and_nothing_of_its_message_is_stored(
    runtime: LocalRuntime,
) -> None:
    [good] = audit.rows([audit.event(runtime.platform, "default", audit.SUCCESS_LOGIN)])
    details = audit.COLUMNS.index("details")

    def changed(index: int, value: Any) -> list[Any]:
        return [*good[:index], value, *good[index + 1 :]]

    malformed = [
        good[:-1],  # a column short
        "row",
        changed(3, 7),  # a type code that is not text
        changed(0, None),  # no tenant
        changed(4, None),  # no description (NOT NULL)
        changed(8, ["a"]),  # a field that is not text
        changed(details, "{not json"),
        changed(details, "[]"),  # details must be an object
    ]
    for bad in malformed:
        await runtime.platform.user_events.send({"type": audit.MESSAGE_TYPE, "rows": [good, bad]})
    await runtime.drain_queues()
    assert await stored_ids(runtime) == []
    waiting = runtime.queue.peek(runtime.platform.user_events.queue_name)
    assert [message.deliveries for message in waiting] == [1] * len(malformed)  # retried, then dead-lettered


async def test_events_recorded_together_travel_in_one_message(runtime: LocalRuntime) -> None:
    await asyncio.gather(
        *(
            audit.record(runtime.platform, "default", audit.SUCCESS_LOGIN, user_id=f"auth0|{n}")
            for n in range(5)
        )
    )
    [message] = runtime.queue.peek(runtime.platform.user_events.queue_name)
    assert isinstance(message.body, dict) and message.body["type"] == audit.MESSAGE_TYPE
    user_id = audit.COLUMNS.index("user_id")
    assert [row[user_id] for row in message.body["rows"]] == [f"auth0|{n}" for n in range(5)]
    await runtime.drain_queues()
    assert len(await stored_ids(runtime)) == 5


def test_a_batch_is_split_into_messages_within_the_queue_limits() -> None:
    def row(n: int, agent: str = "") -> list[str | None]:
        return [str(n), agent]

    large = [row(n, "x" * (audit.MAX_MESSAGE_BYTES // 3)) for n in range(5)]
    packed = audit.messages(large)
    assert len(packed) == 3  # two events fit in a message, three do not
    assert all(len(json.dumps(message)) < audit.MAX_MESSAGE_BYTES + 200 for message in packed)
    assert [row[0] for message in packed for row in message["rows"]] == [str(n) for n in range(5)]
    many = audit.messages([row(n) for n in range(audit.MAX_MESSAGE_EVENTS + 1)])
    assert [len(message["rows"]) for message in many] == [audit.MAX_MESSAGE_EVENTS, 1]
    assert [row[0] for message in many for row in message["rows"]] == [
        str(n) for n in range(audit.MAX_MESSAGE_EVENTS + 1)
    ]


async def test_log_ids_are_time_ordered_and_unique(runtime: LocalRuntime) -> None:
    clock = runtime.platform.clock
    assert isinstance(clock, ManualClock)
    ids = [audit.new_log_id(clock()) for _ in range(50)]
    clock.advance(0.001)
    later = audit.new_log_id(clock())
    assert len(set(ids)) == 50 and all(later > earlier for earlier in ids)


async def test_retention_prunes_logs_older_than_the_tenant_setting(runtime: LocalRuntime) -> None:
    clock = runtime.platform.clock
    assert isinstance(clock, ManualClock)
    await update_settings(runtime.platform, "default", {"logs_retention_days": 2})
    await audit.record(runtime.platform, "default", audit.SUCCESS_LOGIN)
    clock.advance(DAY)
    await audit.record(runtime.platform, "default", audit.SUCCESS_LOGOUT)
    await runtime.drain_queues()
    clock.advance(DAY + 60)
    await runtime.trigger_scheduled()
    assert [r["type"] for r in await runtime.platform.db.all("SELECT type FROM logs")] == ["slo"]
    await update_settings(runtime.platform, "default", {"logs_retention_days": None})  # default 30 days
    clock.advance(27 * DAY)
    await runtime.trigger_scheduled()
    assert len(await stored_ids(runtime)) == 1
    clock.advance(2 * DAY)
    await runtime.trigger_scheduled()
    assert await stored_ids(runtime) == []
