"""Management API fixtures: a local-runtime server (pydantic has no Pyodide build offline, so the
Management API runs on the local runtime only), an M2M app with a grant to `{issuer}api/v2/`,
and clients that call `/api/v2` with its token."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from auth0.authentication import GetToken

from edgeauth import management_api
from edgeauth.runtime.local.process import ServerProcess
from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server, server_process

ALL_SCOPES = ",".join(management_api.SCOPES)


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with server_process("local", tmp_path_factory.mktemp("mgmt")) as process:
        yield Server(process, "local")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    """The local runtime over HTTPS with a throwaway CA's certificate (trustme), for clients that
    only speak https (the SDKs' Management clients, the Deploy CLI); yields it and the CA file."""
    data = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(data / "server.pem"))
    ca.cert_pem.write_to_path(str(data / "ca.pem"))
    with ServerProcess(
        data, "--tls-cert", str(data / "server.pem"), "--tls-key", str(data / "server.pem")
    ) as process:
        yield process, data / "ca.pem"


@dataclass(frozen=True)
class Management:
    """A tenant's Management API seen by an M2M app holding a grant for `scopes`."""

    server: Server
    tenant: str
    client_id: str
    client_secret: str

    @property
    def host(self) -> str:
        return f"{self.tenant}.localhost:{self.server.port}" if self.tenant else self.server.domain

    @property
    def audience(self) -> str:
        return f"http://{self.host}/api/v2/"

    def token(self, scope: str | None = None) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "audience": self.audience,
        }
        if scope is not None:
            form["scope"] = scope
        with self.server.client(self.tenant or None) as http:
            response = http.post("/oauth/token", data=form)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def api(self, scope: str | None = None) -> httpx.Client:
        """HTTP to `/api/v2` on this tenant's host with a token (all granted scopes by default)."""
        return httpx.Client(
            base_url=f"{self.server.base_url}/api/v2",
            headers={"Host": self.host, "Authorization": f"Bearer {self.token(scope)}"},
            timeout=30,
        )


def grant_management(server: Server, tenant: str = "", scopes: str = ALL_SCOPES) -> Management:
    """An M2M app of `tenant` with a client grant to its Management API (made with the CLI)."""
    tenant_args = ["--tenant", tenant] if tenant else []
    if tenant:
        server.cli("tenants", "create", tenant)
        # External issuers and providers of these tests listen on loopback.
        server.cli("tenants", "update", "--dev-mode", "on", "--tenant", tenant)
    app = server.cli("apps", "create", "--name", "Management", "--type", "m2m", *tenant_args)
    server.cli(
        "apps",
        "authorize",
        "--app",
        app["client_id"],
        "--api",
        management_api.IDENTIFIER,
        "--scopes",
        scopes,
        *tenant_args,
    )
    return Management(server, tenant, app["client_id"], app["client_secret"])


@pytest.fixture(scope="module")
def mgmt(local_server: Server) -> Management:
    return grant_management(local_server)


@pytest.fixture(scope="module")
def other(mgmt: Management) -> Management:
    """A second tenant of the same deployment, with its own Management API app."""
    return grant_management(mgmt.server, "other")


def data_dir(mgmt: Management) -> Path:
    return mgmt.server.data


USER_CALLBACK = "https://mgmt-user.example/callback"


def user_access_token(server: Server, email: str, password: str, audience: str, scope: str) -> str:
    """A signed-in user's access token for `audience` (SPA app, code + PKCE, hosted login page)."""
    app = server.cli("apps", "create", "--name", "User SPA", "--type", "spa", "--callbacks", USER_CALLBACK)
    verifier, challenge = pkce_pair()
    query = code_query(app["client_id"], USER_CALLBACK, challenge, scope=scope, audience=audience, state="s")
    code = redirect_params(Browser(server).login(query, email, password))["code"]
    tokens = GetToken(server.domain, app["client_id"], protocol="http").authorization_code_pkce(
        verifier, code, USER_CALLBACK
    )
    return tokens["access_token"]


def claims(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (the tests read what the server put in it)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
