"""The official Auth0 Deploy CLI (npm `auth0-deploy-cli`, `a0deploy`), unchanged, against the local
runtime over HTTPS: `a0deploy export` of a seeded tenant walks every resource type it knows and
completes, in both of its formats, with what was seeded. Node trusts the throwaway CA through
`NODE_EXTRA_CA_CERTS`, as a team would point it at a private CA."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from auth0.management import ManagementClient

from edgeauth.cli import PROJECT_ROOT
from edgeauth.runtime.local.process import ServerProcess
from tests.conftest import Server
from tests.management.conftest import grant_management

DEPLOY_CLI = PROJECT_ROOT / "tests" / "e2e" / "node_modules" / ".bin" / "a0deploy"
API = "https://deploy-cli.test/"


@pytest.fixture(scope="module")
def deploy_config(
    tls_server: tuple[ServerProcess, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A seeded tenant (an API, a SPA, an M2M app granted the API, a role) and the Deploy CLI's
    config for an M2M app holding every Management API scope."""
    process, ca_path = tls_server
    app = grant_management(Server(process, "local"))
    verified = httpx.Client(verify=ssl.create_default_context(cafile=str(ca_path)), timeout=30)
    patch = pytest.MonkeyPatch()
    patch.setenv("SSL_CERT_FILE", str(ca_path))  # the SDK's token fetch uses a default httpx.Client
    try:
        sdk = ManagementClient(
            domain=f"localhost:{process.port}",
            client_id=app.client_id,
            client_secret=app.client_secret,
            httpx_client=verified,
        )
        sdk.resource_servers.create(identifier=API, name="Deploy API", scopes=[{"value": "read:things"}])
        sdk.clients.create(name="Deploy SPA", app_type="spa", callbacks=["https://spa.deploy-cli.test/cb"])
        worker = sdk.clients.create(name="Deploy Worker", app_type="non_interactive")
        sdk.client_grants.create(client_id=worker.client_id, audience=API, scope=["read:things"])
        sdk.roles.create(name="deployers", description="May deploy")
        config = tmp_path_factory.mktemp("deploy-cli") / "config.json"
        settings = {
            "AUTH0_DOMAIN": f"localhost:{process.port}",
            "AUTH0_CLIENT_ID": app.client_id,
            "AUTH0_CLIENT_SECRET": app.client_secret,
            "AUTH0_ALLOW_DELETE": False,
        }
        config.write_text(json.dumps(settings))
        yield config
    finally:
        verified.close()
        patch.undo()


def a0deploy(config: Path, ca_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca_path)}
    return subprocess.run(
        [str(DEPLOY_CLI), *args, "-c", str(config)], env=env, capture_output=True, text=True, timeout=600
    )


def test_export_as_yaml_completes_with_the_tenant(
    deploy_config: Path, tls_server: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    done = a0deploy(
        deploy_config, tls_server[1], "export", "--format", "yaml", "--output_folder", str(tmp_path)
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    exported = yaml.safe_load((tmp_path / "tenant.yaml").read_text())
    assert {c["name"] for c in exported["clients"]} >= {"Deploy SPA", "Deploy Worker"}
    assert [r["identifier"] for r in exported["resourceServers"]] == [API]
    assert [(g["client_id"], g["audience"]) for g in exported["clientGrants"]] == [("Deploy Worker", API)]
    assert [r["name"] for r in exported["roles"]] == ["deployers"]
    assert [d["name"] for d in exported["databases"]] == ["Username-Password-Authentication"]
    assert not any(f["enabled"] for f in exported["guardianFactors"])


def test_export_as_a_directory_completes(
    deploy_config: Path, tls_server: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    done = a0deploy(
        deploy_config, tls_server[1], "export", "--format", "directory", "--output_folder", str(tmp_path)
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    clients = {json.loads(path.read_text())["name"] for path in (tmp_path / "clients").glob("*.json")}
    assert clients >= {"Deploy SPA", "Deploy Worker"}
    assert json.loads((tmp_path / "attack-protection" / "brute-force-protection.json").read_text())["enabled"]
