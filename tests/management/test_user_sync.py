"""Kill the local server between a user event's send and its ack, restart it: nothing is lost."""

from __future__ import annotations

import time
from pathlib import Path

from edgeauth.runtime.local.process import ServerProcess
from edgeauth.runtime.local.queue import SqliteQueue
from tests.conftest import Server
from tests.management.conftest import grant_management

QUEUE = "edgeauth-user-events"
PASSWORD = "sync password 1"


def test_killing_the_server_between_send_and_ack_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process = ServerProcess(data).start()
    try:
        mgmt = grant_management(Server(process, "local"))
        with mgmt.api() as api:
            ids = [
                api.post(
                    "/users",
                    json={
                        "connection": "Username-Password-Authentication",
                        "email": f"k{i}@sync.test",
                        "password": PASSWORD,
                    },
                ).json()["user_id"]
                for i in range(3)
            ]
    finally:
        assert process.process is not None
        process.process.kill()  # SIGKILL: no graceful settling of anything
        process.process.wait()
    pending = SqliteQueue(data / "queue.sqlite", time.time)
    user_events = [m for m in pending.peek(QUEUE) if m.body["type"] == "user.created"]
    assert len(user_events) == 3  # sent, never acked (log events share the queue)
    pending.close()

    with ServerProcess(data) as restarted:
        mgmt = grant_management(Server(restarted, "local"))
        with mgmt.api() as api:
            deadline = time.monotonic() + 20
            found: list[str] = []
            while time.monotonic() < deadline and len(found) < 3:
                response = api.get("/users", params={"q": "email:*@sync.test"})
                found = [user["user_id"] for user in response.json()] if response.status_code == 200 else []
                time.sleep(0.2)
            assert sorted(found) == sorted(ids)
