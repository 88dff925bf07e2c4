"""`/local/outbox` on the local runtime: the developer's inbox for the outbox provider."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from auth0.authentication import Passwordless

from edgeauth.runtime.local.process import ServerProcess
from tests.conftest import Server, eventually


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with ServerProcess(tmp_path_factory.mktemp("outbox"), "--local-outbox") as process:
        yield Server(process, "local")


def test_the_outbox_is_not_served_without_the_flag(tmp_path: Path) -> None:
    """Any loopback process may read `/local/outbox` (every tenant's emails): only on request."""
    with ServerProcess(tmp_path) as process, httpx.Client(base_url=process.base_url) as http:
        assert http.get("/local/outbox", headers={"Host": f"localhost:{process.port}"}).status_code == 404


def test_the_outbox_page_lists_and_shows_emails(local: Server) -> None:
    app = local.cli("apps", "create", "--name", "Inbox app", "--type", "spa")
    local.cli(
        "connections", "create", "--name", "email", "--strategy", "email", "--enable-app", app["client_id"]
    )
    Passwordless(local.domain, app["client_id"], protocol="http").email("dev@example.com", send="code")
    with local.client() as http:
        page = eventually(lambda: http.get("/local/outbox").text, lambda text: "dev@example.com" in text)
        assert "Your code for Inbox app" in page
        link = re.search(r'href="(/local/outbox/[0-9a-f]+)"', page)
        assert link, page
        shown = http.get(link.group(1))
        assert shown.status_code == 200 and re.search(r"\b\d{6}\b", shown.text)
        assert "sandbox" in shown.text  # the HTML part is shown in a sandboxed frame
        assert http.get("/local/outbox/unknown").status_code == 404
