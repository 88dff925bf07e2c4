"""`edgeauth tenants import-auth0`: a tenant's configuration copied through both Management APIs, from
another edgeauth deployment standing in for Auth0 (it speaks Auth0's API), into a fresh one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server, run_cli, server_process
from tests.management.conftest import Management, grant_management

API = "https://copied-api.example.com"
GITHUB = {"client_id": "gh-client", "client_secret": "gh-secret-value", "scope": ["user:email"]}


@pytest.fixture(scope="module")
def destination(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Management]:
    data = tmp_path_factory.mktemp("destination")
    with server_process("local", data) as process:
        yield grant_management(Server(process, "local"))


@pytest.fixture(scope="module")
def source(mgmt: Management) -> dict[str, Any]:
    """The source tenant's configuration, made through its Management API."""
    with mgmt.api() as api:
        assert (
            api.post(
                "/resource-servers",
                json={"identifier": API, "name": "Copied", "scopes": [{"value": "read:copies"}]},
            ).status_code
            == 201
        )
        web = api.post(
            "/clients",
            json={"name": "Web", "app_type": "regular_web", "callbacks": ["https://web.example/cb"]},
        ).json()
        spa = api.post(
            "/clients", json={"name": "Spa", "app_type": "spa", "web_origins": ["https://spa.example"]}
        ).json()
        assert (
            api.post(
                "/client-grants",
                json={"client_id": web["client_id"], "audience": API, "scope": ["read:copies"]},
            ).status_code
            == 201
        )
        role = api.post("/roles", json={"name": "copier", "description": "copies"}).json()
        permission = {"resource_server_identifier": API, "permission_name": "read:copies"}
        assert (
            api.post(f"/roles/{role['id']}/permissions", json={"permissions": [permission]}).status_code
            == 201
        )
        github = {
            "name": "github",
            "strategy": "github",
            "options": GITHUB,
            "enabled_clients": [spa["client_id"]],
        }
        assert api.post("/connections", json=github).status_code == 201, "github"
        assert (
            api.patch(
                "/tenants/settings",
                json={"friendly_name": "Copied Inc", "support_email": "help@copied.example"},
            ).status_code
            == 200
        )
        assert (
            api.patch(
                "/branding",
                json={"logo_url": "https://copied.example/logo.png", "colors": {"primary": "#123456"}},
            ).status_code
            == 200
        )
        template = {
            "template": "verify_email",
            "body": "<p>Verify {{ url }}</p>",
            "from": "no-reply@copied.example",
            "subject": "Verify",
            "syntax": "liquid",
            "enabled": True,
        }
        assert api.post("/email-templates", json=template).status_code in (200, 201)
    return {"web": web, "spa": spa}


def test_the_configuration_arrives_with_the_same_client_ids(
    mgmt: Management, destination: Management, source: dict[str, Any], tmp_path: Path
) -> None:
    report = run_cli(
        tmp_path,
        "tenants", "import-auth0",
        "--domain", mgmt.server.base_url.replace("127.0.0.1", "localhost"),
        "--client-id", mgmt.client_id, "--client-secret", mgmt.client_secret,
        "--to", destination.server.base_url.replace("127.0.0.1", "localhost"),
        "--to-client-id", destination.client_id, "--to-client-secret", destination.client_secret,
        "--allow-loopback",
    )  # fmt: skip
    assert report["copied"]["resource_servers"] >= 1 and report["copied"]["clients"] >= 2
    refused_grants = [item for item in report["not_copied"] if item["kind"] == "client_grants"]
    assert refused_grants and all("Management API" in item["why"] for item in refused_grants)

    web, spa = source["web"], source["spa"]
    with destination.api() as api:
        copied = api.get(f"/clients/{web['client_id']}").json()
        assert (copied["name"], copied["callbacks"], copied["client_secret"]) == (
            "Web",
            ["https://web.example/cb"],
            web["client_secret"],
        )
        assert api.get(f"/clients/{spa['client_id']}").json()["web_origins"] == ["https://spa.example"]
        [copied_api] = [r for r in api.get("/resource-servers").json() if r["identifier"] == API]
        assert (copied_api["name"], copied_api["scopes"][0]["value"]) == ("Copied", "read:copies")
        grants = api.get("/client-grants", params={"client_id": web["client_id"]}).json()
        assert [(g["audience"], g["scope"]) for g in grants] == [(API, ["read:copies"])]
        [role] = [r for r in api.get("/roles").json() if r["name"] == "copier"]
        permissions = api.get(f"/roles/{role['id']}/permissions").json()
        assert [(p["resource_server_identifier"], p["permission_name"]) for p in permissions] == [
            (API, "read:copies")
        ]
        [github] = [c for c in api.get("/connections").json() if c["name"] == "github"]
        assert github["options"]["client_secret"] == GITHUB["client_secret"] and github[
            "enabled_clients"
        ] == [spa["client_id"]]
        settings = api.get("/tenants/settings").json()
        assert (settings["friendly_name"], settings["support_email"]) == ("Copied Inc", "help@copied.example")
        assert api.get("/branding").json()["logo_url"] == "https://copied.example/logo.png"
        assert api.get("/email-templates/verify_email").json()["body"] == "<p>Verify {{ url }}</p>"

    # The copied application authenticates on the destination with its old credentials.
    form = {
        "grant_type": "client_credentials",
        "client_id": web["client_id"],
        "client_secret": web["client_secret"],
        "audience": API,
    }
    with destination.server.client() as http:
        assert http.post("/oauth/token", data=form).status_code == 200


def test_wrong_credentials_copy_nothing(mgmt: Management, destination: Management, tmp_path: Path) -> None:
    args = ["tenants", "import-auth0", "--domain", mgmt.server.base_url.replace("127.0.0.1", "localhost")]
    args += ["--client-id", mgmt.client_id, "--client-secret", "wrong", "--to", destination.server.base_url]
    args += [
        "--to-client-id",
        destination.client_id,
        "--to-client-secret",
        destination.client_secret,
        "--allow-loopback",
    ]
    with pytest.raises(AssertionError, match="Nothing was copied"):
        run_cli(tmp_path, *args)
