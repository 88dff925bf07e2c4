"""A short run of the Authentication API fuzzer (tests/fuzz_auth_api.py) in both modes: no 5xx,
no dropped connection. `make fuzz` runs it at length."""

from __future__ import annotations

import pytest

from tests.conftest import Server
from tests.fuzz_auth_api import Target, run_fuzz

EXAMPLES = {"local": 1500, "edge": 400}


@pytest.fixture(scope="module")
def target(server: Server) -> Target:
    callback = "https://fuzz.example/cb"
    server.cli("users", "create", "--email", "fuzz@example.com", "--password", "fuzz password 1")
    app = server.cli("apps", "create", "--name", "Fuzz", "--type", "spa", "--callbacks", callback)
    server.cli("connections", "create", "--name", "email", "--strategy", "email")
    return Target(server.base_url, server.domain, app["client_id"], callback)


def test_the_authentication_api_never_answers_5xx(server: Server, target: Target) -> None:
    run_fuzz(target, EXAMPLES[server.mode])
    assert target.requests >= 0.8 * EXAMPLES[server.mode]  # a few the HTTP client itself refuses to send
    assert target.server_errors == 0, "\n".join(target.failures[:10])
