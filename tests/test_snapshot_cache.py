"""The snapshot cache and precomputed documents (docs/architecture.md, "Snapshot cache"): a warm
token, discovery or JWKS request reads no KV; a change is seen at once; entries stay in their
tenant; discovery and JWKS carry an ETag and answer 304."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import M2MApp, Server, make_m2m_app

AUDIENCE = "https://cache.example/"
OTHER_AUDIENCE = "https://cache-other.example/"


@pytest.fixture(scope="module")
def app(server: Server) -> M2MApp:
    return make_m2m_app(server, AUDIENCE, ["read"])


def kv_reads(server: Server) -> int:
    """KV `get`s served so far (the runtime's test hook: SQLite KV locally, Miniflare's binding in
    the edge host)."""
    calls = httpx.get(f"{server.base_url}/cdn-cgi/edgeauth/bindings", timeout=10).json()
    return int(calls["CONFIG"].get("get", 0))


@pytest.mark.parametrize(
    "path", ["/oauth/token", "/.well-known/openid-configuration", "/.well-known/jwks.json"]
)
def test_a_warm_request_reads_no_kv(server: Server, app: M2MApp, path: str) -> None:
    with server.client() as http:

        def request() -> httpx.Response:
            if path == "/oauth/token":
                return http.post(path, data=app.form())
            return http.get(path)

        assert request().status_code == 200  # warms the cache
        before = kv_reads(server)
        for _ in range(5):
            assert request().status_code == 200
        assert kv_reads(server) == before


def test_an_admin_change_is_seen_at_once(server: Server, app: M2MApp) -> None:
    """The app's snapshot is warm without the grant; the CLI (another process locally) adds it and
    the very next request sees it."""
    server.cli("apis", "create", "--name", "Other", "--identifier", OTHER_AUDIENCE, "--scopes", "write")
    with server.client() as http:
        assert http.post("/oauth/token", data=app.form()).status_code == 200
        refused = http.post("/oauth/token", data=app.form(audience=OTHER_AUDIENCE))
        assert refused.status_code == 403, refused.text
        server.cli("apps", "authorize", "--app", app.client_id, "--api", OTHER_AUDIENCE, "--scopes", "write")
        granted = http.post("/oauth/token", data=app.form(audience=OTHER_AUDIENCE))
    assert granted.status_code == 200, granted.text


def test_a_warm_snapshot_never_answers_another_tenant(server: Server, app: M2MApp) -> None:
    server.cli("tenants", "create", "cachetenant")
    with server.client() as home, server.client("cachetenant") as other:
        assert home.post("/oauth/token", data=app.form()).status_code == 200
        assert home.get("/.well-known/jwks.json").status_code == 200
        refused = other.post("/oauth/token", data=app.form())
        home_keys = {k["kid"] for k in home.get("/.well-known/jwks.json").json()["keys"]}
        other_keys = {k["kid"] for k in other.get("/.well-known/jwks.json").json()["keys"]}
        other_issuer = other.get("/.well-known/openid-configuration").json()["issuer"]
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client", refused.text
    assert home_keys.isdisjoint(other_keys)
    assert other_issuer == f"{server.host_origin('cachetenant')}/"


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/.well-known/jwks.json"])
def test_documents_carry_an_etag_and_answer_304(server: Server, path: str) -> None:
    with server.client() as http:
        first = http.get(path)
        etag = first.headers["etag"]
        again = http.get(path, headers={"If-None-Match": etag})
        listed = http.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
        stale = http.get(path, headers={"If-None-Match": '"not-this-one"'})
    assert first.status_code == 200 and etag.startswith('"') and etag.endswith('"')
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == first.headers["cache-control"]
    assert listed.status_code == 304
    assert stale.status_code == 200 and stale.content == first.content


def test_the_jwks_etag_changes_with_a_rotation(server: Server) -> None:
    with server.client() as http:
        before = http.get("/.well-known/jwks.json")
        server.cli("keys", "rotate")
        after = http.get("/.well-known/jwks.json", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json() != before.json()
