"""`POST /api/v2/users/{id}/identities` and `DELETE /api/v2/users/{id}/identities/{provider}/{user_id}`:
a social account linked into a database user logs in as that user; unlinked, it is its own again."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.management.conftest import Management
from tests.upstream_support import Setup, make_upstream, social_login, social_tokens


@pytest.fixture(scope="module")
def setup(mgmt: Management) -> Setup:
    return make_upstream(mgmt.server)


def test_link_then_unlink_a_social_account(mgmt: Management, setup: Setup) -> None:
    server = mgmt.server
    primary = server.cli("users", "create", "--email", "primary@example.com", "--password", "primary pass 1")
    secondary_id = social_login(server, setup, "fresh@example.com")["sub"]
    provider, _, object_id = secondary_id.partition("|")
    with mgmt.api() as api:
        linked = api.post(
            f"/users/{primary['user_id']}/identities", json={"provider": provider, "user_id": object_id}
        )
        assert linked.status_code == 201, linked.text
        assert [i["provider"] for i in linked.json()] == ["auth0", "oidc"]
        social = linked.json()[1]
        assert (
            social["connection"] == "upstream-idp" and social["profileData"]["email"] == "fresh@example.com"
        )
        assert api.get(f"/users/{secondary_id}").status_code == 404  # the secondary account is gone
    assert social_login(server, setup, "fresh@example.com")["sub"] == primary["user_id"]

    with mgmt.api() as api:
        path = f"/users/{primary['user_id']}/identities/oidc/{quote(social['user_id'], safe='')}"
        remaining = api.delete(path)
        assert remaining.status_code == 200, remaining.text
        assert [i["provider"] for i in remaining.json()] == ["auth0"]
        assert api.delete(path).status_code == 400  # no longer linked
    again = social_login(server, setup, "fresh@example.com")["sub"]
    assert again.startswith("oidc|") and again != primary["user_id"]  # its own user, not relinked


def test_link_refusals(mgmt: Management, setup: Setup) -> None:
    server = mgmt.server
    primary = server.cli("users", "create", "--email", "p2@example.com", "--password", "primary pass 1")
    other = server.cli("users", "create", "--email", "db2@example.com", "--password", "primary pass 1")
    provider, _, object_id = other["user_id"].partition("|")
    with mgmt.api() as api:
        database = api.post(
            f"/users/{primary['user_id']}/identities", json={"provider": provider, "user_id": object_id}
        )
        assert database.status_code == 400 and database.json()["errorCode"] == "operation_not_supported"
        missing = api.post(
            f"/users/{primary['user_id']}/identities", json={"provider": "oidc", "user_id": "0" * 64}
        )
        assert missing.status_code == 404
        itself = api.post(
            f"/users/{primary['user_id']}/identities",
            json={"provider": provider, "user_id": primary["user_id"].partition("|")[2]},
        )
        assert itself.status_code == 400
        first = api.delete(
            f"/users/{primary['user_id']}/identities/auth0/{primary['user_id'].partition('|')[2]}"
        )
        assert first.status_code == 400  # the primary identity never leaves
        assert (
            api.post(f"/users/{primary['user_id']}/identities", json={"provider": "x|y"}).status_code == 400
        )
    with mgmt.api("read:users") as api:
        body = {"provider": provider, "user_id": object_id}
        assert api.post(f"/users/{primary['user_id']}/identities", json=body).status_code == 403


def test_link_with_the_secondary_id_token(mgmt: Management, setup: Setup) -> None:
    server = mgmt.server
    primary = server.cli("users", "create", "--email", "p3@example.com", "--password", "primary pass 1")
    tokens = social_tokens(server, setup, "second@example.com")
    with mgmt.api() as api:
        forged = api.post(
            f"/users/{primary['user_id']}/identities", json={"link_with": tokens["id_token"] + "x"}
        )
        assert forged.status_code == 400
        both = {"link_with": tokens["id_token"], "provider": "oidc", "user_id": "x"}
        assert api.post(f"/users/{primary['user_id']}/identities", json=both).status_code == 400
        linked = api.post(f"/users/{primary['user_id']}/identities", json={"link_with": tokens["id_token"]})
        assert linked.status_code == 201, linked.text
        assert [i["provider"] for i in linked.json()] == ["auth0", "oidc"]
    assert social_login(server, setup, "second@example.com")["sub"] == primary["user_id"]
