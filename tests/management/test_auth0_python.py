"""The official auth0-python `ManagementClient`, unchanged, against the local runtime over HTTPS.

The SDK hard-codes `https://{domain}/api/v2` and fetches its own token (client_credentials for
`https://{domain}/api/v2/`), so the server runs with a throwaway CA's certificate (trustme).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme
from auth0.management import ManagementClient

from edgeauth.admin import management_api
from edgeauth.runtime.local.process import ServerProcess
from tests.conftest import run_cli
from tests.management.conftest import ALL_SCOPES


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    data = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(data / "server.pem"))
    ca.cert_pem.write_to_path(str(data / "ca.pem"))
    with ServerProcess(
        data, "--tls-cert", str(data / "server.pem"), "--tls-key", str(data / "server.pem")
    ) as process:
        yield process, data / "ca.pem"


@pytest.fixture(scope="module")
def management(tls_server: tuple[ServerProcess, Path]) -> Iterator[ManagementClient]:
    process, ca_path = tls_server
    app = run_cli(process.data, "apps", "create", "--name", "SDK", "--type", "m2m")
    run_cli(
        process.data,
        "apps",
        "authorize",
        "--app",
        app["client_id"],
        "--api",
        management_api.IDENTIFIER,
        "--scopes",
        ALL_SCOPES,
    )
    patch = pytest.MonkeyPatch()
    patch.setenv("SSL_CERT_FILE", str(ca_path))  # the SDK's token fetch uses a default httpx.Client
    verified = httpx.Client(verify=ssl.create_default_context(cafile=str(ca_path)), timeout=30)
    try:
        yield ManagementClient(
            domain=f"localhost:{process.port}",
            client_id=app["client_id"],
            client_secret=app["client_secret"],
            httpx_client=verified,
        )
    finally:
        verified.close()
        patch.undo()


def test_resource_servers_and_client_grants(management: ManagementClient) -> None:
    api = management.resource_servers.create(
        identifier="https://sdk.test/", name="SDK API", scopes=[{"value": "read:things", "description": "x"}]
    )
    assert api.identifier == "https://sdk.test/"
    identifiers = [r.identifier for r in management.resource_servers.list()]
    assert "https://sdk.test/" in identifiers
    management.resource_servers.update(api.id, token_lifetime=900)
    assert management.resource_servers.get(api.id).token_lifetime == 900
    management.resource_servers.delete(api.id)
