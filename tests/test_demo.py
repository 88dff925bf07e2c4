"""The README's first command: `edgeauth serve --demo` prints working demo credentials."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from edgeauth.runtime.local.process import ServerProcess


def test_demo_credentials_get_a_token_and_survive_a_restart(tmp_path: Path) -> None:
    seen = []
    for _ in range(2):  # the second start finds the demo apps it made the first time
        with ServerProcess(tmp_path, "--demo") as server:
            output = server.output()
            assert "issuer http://localhost:" in output
            curl = re.search(r"client_id=(\S+) -d client_secret=(\S+) -d audience=(\S+)", output)
            assert curl, output
            client_id, secret, audience = curl.groups()
            seen.append(client_id)
            response = httpx.post(
                f"{server.base_url}/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret,
                    "audience": audience,
                },
            )
            assert response.status_code == 200, response.text
            assert response.json()["scope"] == "read:messages write:messages"
    assert seen[0] == seen[1]
