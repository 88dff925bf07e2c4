"""Key rotation: old tokens keep verifying, the next key is published before use (docs/architecture.md,
"Keys")."""

from __future__ import annotations

import jwt
import pytest

from tests.conftest import M2MApp, Server, make_m2m_app

AUDIENCE = "https://keys.example/"


@pytest.fixture(scope="module")
def app(server: Server) -> M2MApp:
    return make_m2m_app(server, AUDIENCE, ["k:r"])


def fetch_token(server: Server, app: M2MApp) -> str:
    response = server.token(app)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def verifies(token: str, keys: dict[str, dict], server: Server) -> bool:
    kid = jwt.get_unverified_header(token)["kid"]
    if kid not in keys:
        return False
    key = jwt.PyJWK(keys[kid]).key
    jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=f"{server.origin}/")
    return True


def test_rotation_keeps_old_tokens_valid_and_prepublishes_next(server: Server, app: M2MApp) -> None:
    before = server.jwks()
    old_token = fetch_token(server, app)
    signing_kid = jwt.get_unverified_header(old_token)["kid"]
    assert verifies(old_token, before, server)
    (next_kid,) = set(before) - {signing_kid}

    rotated = server.cli("keys", "rotate")
    assert rotated == {"previous": signing_kid, "current": next_kid, "next": rotated["next"]}

    after = server.jwks()
    assert set(after) == {signing_kid, next_kid, rotated["next"]}
    assert verifies(old_token, after, server)
    new_token = fetch_token(server, app)
    assert jwt.get_unverified_header(new_token)["kid"] == next_kid  # published one rotation ago
    assert verifies(new_token, after, server)

    server.cli("keys", "rotate")
    final = server.jwks()
    assert signing_kid not in final  # two rotations later the first key is retired
    assert verifies(new_token, final, server)


def test_cron_rotates_every_tenant(server: Server) -> None:
    server.cli("tenants", "create", "cron-t")
    before_default, before_other = server.jwks(), server.jwks("cron-t")
    with server.client() as http:
        assert http.get("/cdn-cgi/handler/scheduled").status_code == 200
    after_default, after_other = server.jwks(), server.jwks("cron-t")
    assert set(after_default) != set(before_default)
    assert set(after_other) != set(before_other)
    assert len(set(after_default) & set(before_default)) == 2  # current and next stay published
