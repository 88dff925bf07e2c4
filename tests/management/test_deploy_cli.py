"""The official Auth0 Deploy CLI (npm `auth0-deploy-cli`, `a0deploy`), unchanged, against the local
runtime over HTTPS: `a0deploy export` of a seeded tenant walks every resource type it knows and
completes, in both of its formats, with what was seeded; `a0deploy import` of that export into a
fresh deployment completes, and exporting that one gives the same configuration back. Node
trusts the throwaway CA through `NODE_EXTRA_CA_CERTS`, as a team would point it at a private CA."""

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
from tests.management.conftest import Management, grant_management

DEPLOY_CLI = PROJECT_ROOT / "tests" / "e2e" / "node_modules" / ".bin" / "a0deploy"
API = "https://deploy-cli.test/"
CUSTOM_TEXT = {"login": {"title": "Bienvenue chez Deploy", "buttonText": "Entrer"}}
PARTIALS = {"login": {"form-content-start": '<p class="deploy">Deployed {{ application.name }}</p>'}}


@pytest.fixture(scope="module")
def deploy_config(
    tls_server: tuple[ServerProcess, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A seeded tenant (an API, a SPA, an M2M app granted the API, a role, custom text) and the Deploy CLI's
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
        sdk.prompts.custom_text.set("login", "fr", request=CUSTOM_TEXT)
        assert sdk.prompts.update_settings(identifier_first=True).identifier_first is True
        sdk.prompts.partials.set("login", request=PARTIALS)
        yield cli_config(tmp_path_factory.mktemp("deploy-cli"), process, app)
    finally:
        verified.close()
        patch.undo()


def cli_config(folder: Path, process: ServerProcess, app: Management) -> Path:
    """The Deploy CLI's config for `app` (an M2M app holding every Management API scope)."""
    config = folder / "config.json"
    settings = {
        "AUTH0_DOMAIN": f"localhost:{process.port}",
        "AUTH0_CLIENT_ID": app.client_id,
        "AUTH0_CLIENT_SECRET": app.client_secret,
        "AUTH0_ALLOW_DELETE": False,
    }
    config.write_text(json.dumps(settings))
    return config


def run_cli(config: Path, ca_path: Path, *args: str) -> None:
    """`a0deploy <args>`; fails the test with the CLI's output if it does not complete."""
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca_path)}
    done = subprocess.run(
        [str(DEPLOY_CLI), *args, "-c", str(config)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def export(config: Path, ca_path: Path, format_: str, folder: Path) -> None:
    run_cli(config, ca_path, "export", "--format", format_, "--output_folder", str(folder))


def test_export_as_yaml_completes_with_the_tenant(
    deploy_config: Path, tls_server: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    export(deploy_config, tls_server[1], "yaml", tmp_path)
    exported = yaml.safe_load((tmp_path / "tenant.yaml").read_text())
    assert {c["name"] for c in exported["clients"]} >= {"Deploy SPA", "Deploy Worker"}
    assert [r["identifier"] for r in exported["resourceServers"]] == [API]
    assert [(g["client_id"], g["audience"]) for g in exported["clientGrants"]] == [("Deploy Worker", API)]
    assert [r["name"] for r in exported["roles"]] == ["deployers"]
    assert [d["name"] for d in exported["databases"]] == ["Username-Password-Authentication"]
    assert not any(f["enabled"] for f in exported["guardianFactors"])
    # The prompts handler reads custom text per prompt and enabled language.
    assert exported["prompts"]["customText"]["fr"]["login"] == CUSTOM_TEXT
    assert exported["prompts"]["identifier_first"] is True
    assert exported["prompts"]["partials"]["login"] == PARTIALS


def test_export_as_a_directory_completes(
    deploy_config: Path, tls_server: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    export(deploy_config, tls_server[1], "directory", tmp_path)
    clients = {json.loads(path.read_text())["name"] for path in (tmp_path / "clients").glob("*.json")}
    assert clients >= {"Deploy SPA", "Deploy Worker"}
    assert json.loads((tmp_path / "attack-protection" / "brute-force-protection.json").read_text())["enabled"]


def configuration(tenant_yaml: Path) -> dict[str, object]:
    """An export without what differs between two deployments of the same configuration (when
    each object was created)."""
    exported = yaml.safe_load(tenant_yaml.read_text())
    for client in exported["clients"]:
        client.pop("created_at", None)
        client.pop("updated_at", None)
    return dict(exported)


def test_an_export_imports_into_a_fresh_deployment_and_exports_the_same(
    deploy_config: Path, tls_server: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    first = tmp_path / "first"
    export(deploy_config, tls_server[1], "yaml", first)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    certificate = tls_server[0].data / "server.pem"
    with ServerProcess(fresh, "--tls-cert", str(certificate), "--tls-key", str(certificate)) as process:
        config = cli_config(tmp_path, process, grant_management(Server(process, "local")))
        run_cli(config, tls_server[1], "import", "--input_file", str(first / "tenant.yaml"))
        export(config, tls_server[1], "yaml", tmp_path / "second")
    assert configuration(tmp_path / "second" / "tenant.yaml") == configuration(first / "tenant.yaml")
