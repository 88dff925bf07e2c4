"""Tokens of an external OAuth2/OIDC issuer on the Management API: accepted only by the tenants
that trust that issuer, verified with its JWKS (fetched over HTTP, cached, refetched on an
unknown `kid` at most once per interval)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from edgeauth.jwks_cache import REFETCH_INTERVAL_SECONDS
from tests.management.conftest import Management, grant_management

AUDIENCE = "https://management.example/"


class ExternalIssuer:
    """A throwaway OAuth2 issuer: RSA keys, a JWKS served over HTTP, tokens signed with PyJWT."""

    def __init__(self) -> None:
        self.jwks_fetches = 0
        self.key, self.kid = self.new_key()
        self.published = {self.kid: self.key}
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.http.server_port}/"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}.well-known/jwks.json"

    @staticmethod
    def new_key() -> tuple[rsa.RSAPrivateKey, str]:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048), uuid.uuid4().hex

    def rotate(self) -> None:
        """Publish a new key only: tokens signed with it name a `kid` the server has not seen."""
        self.key, self.kid = self.new_key()
        self.published = {self.kid: self.key}

    def jwks(self) -> bytes:
        keys = [
            {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "use": "sig", "alg": "RS256"}
            for kid, key in self.published.items()
        ]
        return json.dumps({"keys": keys}).encode()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.jwks_fetches += 1
                body = issuer.jwks()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def token(self, *, key: rsa.RSAPrivateKey | None = None, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "sub": "ext|ops", "aud": AUDIENCE, "iat": now, "exp": now + 300}
        headers = {"kid": kid or self.kid} if kid != "" else {}
        return jwt.encode({**body, **claims}, key or self.key, algorithm="RS256", headers=headers)


@pytest.fixture(scope="module")
def idp() -> Iterator[ExternalIssuer]:
    issuer = ExternalIssuer()
    yield issuer
    issuer.http.shutdown()


@pytest.fixture(scope="module")
def tenants(mgmt: Management, idp: ExternalIssuer) -> tuple[Management, Management]:
    """Tenant A trusts the external issuer (through the API); tenant B does not."""
    a, b = grant_management(mgmt.server, "ext-a"), grant_management(mgmt.server, "ext-b")
    body = {"issuer": idp.issuer, "jwks_uri": idp.jwks_uri, "audience": AUDIENCE}
    with a.api() as api:
        created = api.post("/trusted-issuers", json=body)
        assert created.status_code == 201, created.text
        assert api.get("/trusted-issuers").json() == [created.json()]
    return a, b


def call(tenant: Management, token: str, path: str = "/resource-servers") -> httpx.Response:
    with tenant.server.client(tenant.tenant) as http:
        return http.get(f"/api/v2{path}", headers={"Authorization": f"Bearer {token}"})


def test_trusted_issuer_tokens_work_with_their_scopes_on_the_trusting_tenant_only(
    tenants: tuple[Management, Management], idp: ExternalIssuer
) -> None:
    a, b = tenants
    token = idp.token(scope="openid read:resource_servers")
    listed = call(a, token)
    assert listed.status_code == 200, listed.text
    assert a.audience in [api["identifier"] for api in listed.json()]
    assert call(a, idp.token(permissions=["read:resource_servers"])).status_code == 200
    denied = call(a, token, "/trusted-issuers")
    assert denied.status_code == 403 and denied.json()["errorCode"] == "insufficient_scope"
    refused = call(b, token)
    assert refused.status_code == 401 and refused.json()["errorCode"] == "invalid_token"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://other.example/"},
        {"exp": int(time.time()) - 10},
        {"nbf": int(time.time()) + 600},
        {"kid": ""},
        {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
    ],
    ids=["wrong-audience", "expired", "not-yet-valid", "no-kid", "forged-signature"],
)
def test_invalid_external_tokens_are_refused(
    tenants: tuple[Management, Management], idp: ExternalIssuer, claims: dict[str, Any]
) -> None:
    refused = call(tenants[0], idp.token(scope="read:resource_servers", **claims))
    assert refused.status_code == 401 and refused.json()["errorCode"] == "invalid_token"


def test_trust_is_validated_and_unique(tenants: tuple[Management, Management], idp: ExternalIssuer) -> None:
    a, _ = tenants
    with a.api() as api:
        duplicate = {"issuer": idp.issuer, "jwks_uri": idp.jwks_uri, "audience": AUDIENCE}
        assert api.post("/trusted-issuers", json=duplicate).status_code == 409
        plain_http = {**duplicate, "issuer": "https://x.example/", "jwks_uri": "http://x.example/jwks"}
        assert api.post("/trusted-issuers", json=plain_http).status_code == 400
        assert api.get("/trusted-issuers/tis_missing").status_code == 404


def test_unknown_kid_refetches_the_jwks_at_most_once_per_interval(
    tenants: tuple[Management, Management], idp: ExternalIssuer
) -> None:
    a, _ = tenants
    assert call(a, idp.token(scope="read:resource_servers")).status_code == 200
    time.sleep(REFETCH_INTERVAL_SECONDS)
    idp.rotate()
    fetches = idp.jwks_fetches
    assert call(a, idp.token(scope="read:resource_servers")).status_code == 200
    assert idp.jwks_fetches == fetches + 1
    stranger = ExternalIssuer.new_key()
    for _ in range(5):
        forged = idp.token(key=stranger[0], kid=stranger[1], scope="read:resource_servers")
        assert call(a, forged).status_code == 401
    assert idp.jwks_fetches == fetches + 1


def test_a_removed_trust_or_an_unreachable_jwks_refuses_tokens(mgmt: Management, idp: ExternalIssuer) -> None:
    """Trust given with the CLI, withdrawn through the API; a JWKS that cannot be fetched."""
    c = grant_management(mgmt.server, "ext-c")
    token = idp.token(scope="read:resource_servers")
    trust = {"issuer": idp.issuer, "jwks_uri": idp.jwks_uri, "audience": AUDIENCE}
    flags = ("--issuer", idp.issuer, "--jwks-uri", idp.jwks_uri, "--audience", AUDIENCE)
    trusted = mgmt.server.cli("tenants", "trust-issuer", "--tenant", "ext-c", *flags)
    with c.api() as api:
        assert call(c, token).status_code == 200
        assert api.delete(f"/trusted-issuers/{trusted['id']}").status_code == 204
        assert api.get("/trusted-issuers").json() == []
        assert call(c, token).status_code == 401
        unreachable = {**trust, "jwks_uri": "http://127.0.0.1:9/jwks.json"}
        assert api.post("/trusted-issuers", json=unreachable).status_code == 201
        assert call(c, token).status_code == 401
