"""The Host header only selects a tenant's canonical origin; it never becomes part of a URL
(docs/security.md "Hosts and origins"). Both modes."""

from __future__ import annotations

import pytest

from tests.conftest import Server
from tests.mail_support import emails_to

MALFORMED = (
    "acme.localhost:@evil.com",
    "acme.localhost:{port}/../x",
    "acme.localhost:{port}/x",
    "evil.com@acme.localhost:{port}",
    "acme.localhost:{port}:{port}",
    "acme..localhost:{port}",
    "-acme.localhost:{port}",
    "acme_x.localhost:{port}",
    "localhost:99999",
    "localhost:port",
    "[::1",
    "acme.localhost:{port}?x",
    "acme.localhost:{port}#x",
    "acme.localhost\\:{port}",
    "a b.localhost:{port}",
)
UNKNOWN = (
    "evil.com",
    "evil.com:{port}",
    "nosuchtenant.localhost:{port}",
    "a.acme.localhost:{port}",
    "acme.localhost:1",
    "localhost:1",
    "10.0.0.1:{port}",
)


@pytest.fixture(scope="module")
def acme(server: Server) -> dict:
    server.cli("tenants", "create", "acme")
    user = server.cli(
        "users", "create", "--email", "host@example.com", "--password", "host password 1", "--tenant", "acme"
    )
    app = server.cli("apps", "create", "--name", "Hosts", "--type", "spa", "--tenant", "acme")
    return {"user": user, "app": app}


def discovery(server: Server, host: str) -> tuple[int, dict]:
    with server.client(host=host.format(port=server.port)) as http:
        response = http.get("/.well-known/openid-configuration")
    return response.status_code, response.json()


@pytest.mark.parametrize("host", MALFORMED)
def test_a_malformed_host_is_a_400(server: Server, acme: dict, host: str) -> None:
    status, body = discovery(server, host)
    assert (status, body["error"]) == (400, "invalid_request"), body


@pytest.mark.parametrize("host", UNKNOWN)
def test_a_host_of_no_tenant_is_a_404_not_the_default_tenant(server: Server, acme: dict, host: str) -> None:
    status, body = discovery(server, host)
    assert (status, body["error"]) == (404, "not_found"), body
    assert "evil" not in str(body)


@pytest.mark.parametrize(
    ("host", "issuer"),
    [
        ("localhost:{port}", "http://localhost:{port}/"),
        ("127.0.0.1:{port}", "http://127.0.0.1:{port}/"),
        ("acme.localhost:{port}", "http://acme.localhost:{port}/"),
        ("ACME.LocalHost:{port}", "http://acme.localhost:{port}/"),
        ("acme.localhost", "http://acme.localhost:{port}/"),
    ],
)
def test_a_canonical_host_gets_its_canonical_issuer(
    server: Server, acme: dict, host: str, issuer: str
) -> None:
    status, body = discovery(server, host)
    assert status == 200
    assert body["issuer"] == issuer.format(port=server.port)
    assert all(value.startswith(body["issuer"]) for key, value in body.items() if key.endswith("_endpoint"))


def test_a_reset_email_never_follows_a_forged_host(server: Server, acme: dict) -> None:
    """The review's finding: `Host: acme.localhost:@evil.com` put a live reset ticket in a link to
    evil.com. Now such a request is refused before anything is sent, and the one email sent links
    to the tenant's canonical origin."""
    body = {
        "client_id": acme["app"]["client_id"],
        "email": "host@example.com",
        "connection": "Username-Password-Authentication",
    }
    for host in ("acme.localhost:@evil.com", "evil.com", "acme.localhost:{port}/../x", "acme.localhost:1"):
        with server.client(host=host.format(port=server.port)) as http:
            assert http.post("/dbconnections/change_password", json=body).status_code in (400, 404)
    with server.client("acme") as http:
        assert http.post("/dbconnections/change_password", json=body).status_code == 200
    [email] = emails_to(server, "host@example.com", tenant="acme")
    assert f"http://acme.localhost:{server.port}/lo/reset?ticket=" in email["text"]
    assert "evil" not in email["text"] and "evil" not in email["html"]


def test_a_custom_domain_is_one_tenants_canonical_host(server: Server, acme: dict) -> None:
    server.cli("tenants", "add-domain", "--tenant", "acme", "--domain", "login.acme.test")
    status, body = discovery(server, "login.acme.test:{port}")
    assert status == 200 and body["issuer"] == f"http://login.acme.test:{server.port}/"
    server.cli("tenants", "create", "rival")
    with pytest.raises(AssertionError, match="another tenant"):
        server.cli("tenants", "add-domain", "--tenant", "rival", "--domain", "login.acme.test")
    assert (
        discovery(server, "login.acme.test:{port}")[1]["issuer"] == f"http://login.acme.test:{server.port}/"
    )
