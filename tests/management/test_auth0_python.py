"""The official auth0-python `ManagementClient`, unchanged, against the local runtime over HTTPS.

The SDK hard-codes `https://{domain}/api/v2` and fetches its own token (client_credentials for
`https://{domain}/api/v2/`), so the server runs with a throwaway CA's certificate (trustme).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from auth0.management import ManagementClient

from edgeauth.runtime.local.process import ServerProcess
from tests.conftest import Server
from tests.management.conftest import grant_management


@pytest.fixture(scope="module")
def management(tls_server: tuple[ServerProcess, Path]) -> Iterator[ManagementClient]:
    process, ca_path = tls_server
    app = grant_management(Server(process, "local"))
    patch = pytest.MonkeyPatch()
    patch.setenv("SSL_CERT_FILE", str(ca_path))  # the SDK's token fetch uses a default httpx.Client
    verified = httpx.Client(verify=ssl.create_default_context(cafile=str(ca_path)), timeout=30)
    try:
        yield ManagementClient(
            domain=f"localhost:{process.port}",
            client_id=app.client_id,
            client_secret=app.client_secret,
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


def test_users(management: ManagementClient) -> None:
    """Create, search (paging with totals until empty), update and delete users with the SDK."""
    emails = [f"sdk{i}@users.test" for i in range(3)]
    for email in emails:
        management.users.create(
            connection="Username-Password-Authentication", email=email, password="sdk password 1"
        )
    q = "email:*@users.test"
    deadline = time.monotonic() + 20
    while len(list(management.users.list(q=q, search_engine="v3"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)  # search reads D1's copy, fed by the queue
    found = list(management.users.list(q=q, search_engine="v3", per_page=2, include_totals=True))
    assert sorted(u.email for u in found) == emails
    updated = management.users.update(found[0].user_id, app_metadata={"plan": "gold"})
    assert updated.app_metadata == {"plan": "gold"}
    assert management.users.get(found[0].user_id).app_metadata == {"plan": "gold"}
    for user in found:
        management.users.delete(user.user_id)
    assert management.users.list_users_by_email(email=emails[0]) == []


def test_official_sdk_manages_clients_connections_and_grants(management: ManagementClient) -> None:
    app = management.clients.create(name="SDK app", app_type="spa", callbacks=["https://old.example/cb"])
    assert app.client_secret and app.token_endpoint_auth_method == "none"
    assert app.client_id in [c.client_id for c in management.clients.list(per_page=1)]
    assert management.clients.update(app.client_id, callbacks=["https://new.example/cb"]).callbacks == [
        "https://new.example/cb"
    ]
    assert management.clients.rotate_secret(app.client_id).client_secret != app.client_secret

    connection = management.connections.create(
        name="sdk-oidc", strategy="oidc", options={"client_id": "x"}, enabled_clients=[app.client_id]
    )
    assert [c.client_id for c in management.connections.clients.get(connection.id)] == [app.client_id]
    management.connections.clients.update(
        connection.id, request=[{"client_id": app.client_id, "status": False}]
    )
    assert list(management.connections.clients.get(connection.id)) == []
    assert management.connections.update(connection.id, display_name="SDK").display_name == "SDK"

    management.resource_servers.create(identifier="https://sdk-grants.test/", scopes=[{"value": "r"}])
    grant = management.client_grants.create(
        client_id=app.client_id, audience="https://sdk-grants.test/", scope=["r"]
    )
    assert [g.id for g in management.client_grants.list(audience="https://sdk-grants.test/")] == [grant.id]
    assert management.client_grants.update(grant.id, scope=[]).scope == []

    management.client_grants.delete(grant.id)
    management.connections.delete(connection.id)
    management.clients.delete(app.client_id)
    assert app.client_id not in [c.client_id for c in management.clients.list()]


def test_roles(management: ManagementClient) -> None:
    api = management.resource_servers.create(
        identifier="https://sdk-roles.test/", scopes=[{"value": "read:x"}]
    )
    role = management.roles.create(name="sdk-reader", description="Reads")
    assert role.name == "sdk-reader" and role.id in [r.id for r in management.roles.list()]
    management.roles.permissions.add(
        role.id, permissions=[{"resource_server_identifier": api.identifier, "permission_name": "read:x"}]
    )
    assert [p.permission_name for p in management.roles.permissions.list(role.id)] == ["read:x"]
    user = management.users.create(
        connection="Username-Password-Authentication", email="sdk-role@users.test", password="sdk password 1"
    )
    management.roles.users.assign(role.id, users=[user.user_id])
    assert [r.id for r in management.users.roles.list(user.user_id)] == [role.id]
    assert management.roles.update(role.id, description="Reads x").description == "Reads x"
    management.roles.delete(role.id)
    assert list(management.users.roles.list(user.user_id)) == []
