"""Checkpoint paging (`from` + `take`, then `next`) on `/connections` and `/client-grants`, as the
Auth0 Deploy CLI walks them (it sends `take=50&include_totals=true` and follows `next`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.management.conftest import Management, grant_management


@pytest.fixture(scope="module")
def tenant(local_server: Server) -> Management:
    return grant_management(local_server, "paging")


def walk(api: httpx.Client, path: str, key: str, take: int) -> list[list[dict[str, Any]]]:
    """Every page, following `next` until a page comes without one."""
    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {"take": take, "include_totals": "true"}
    while True:
        response = api.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) <= {key, "next"}, body  # checkpoint shape: no totals wrapper
        pages.append(body[key])
        if "next" not in body:
            return pages
        params = {"take": take, "from": body["next"]}


def test_connections_are_walked_page_by_page(tenant: Management) -> None:
    with tenant.api() as api:
        for n in range(5):
            created = api.post("/connections", json={"name": f"db-{n}", "strategy": "auth0"})
            assert created.status_code == 201, created.text
        pages = walk(api, "/connections", "connections", take=2)
        names = [c["name"] for page in pages for c in page]
        assert names == ["Username-Password-Authentication", *(f"db-{n}" for n in range(5))]
        assert [len(page) for page in pages] == [2, 2, 2]
        assert walk(api, "/connections", "connections", take=50) == [[c for page in pages for c in page]]


def test_a_checkpoint_survives_deletions_before_it(tenant: Management) -> None:
    """An offset would skip an item when an earlier one is deleted between pages; a checkpoint
    names where the page ended."""
    with tenant.api() as api:
        app = api.post("/clients", json={"name": "Grantee", "app_type": "non_interactive"}).json()
        for n in range(4):
            identifier = f"https://paging-{n}.test/"
            assert api.post("/resource-servers", json={"identifier": identifier}).status_code == 201
            grant = {"client_id": app["client_id"], "audience": identifier, "scope": []}
            assert api.post("/client-grants", json=grant).status_code == 201
        params = {"take": 2, "client_id": app["client_id"]}
        first = api.get("/client-grants", params=params).json()
        assert [g["audience"] for g in first["client_grants"]] == [
            "https://paging-0.test/",
            "https://paging-1.test/",
        ]
        assert api.delete(f"/client-grants/{first['client_grants'][0]['id']}").status_code == 204
        second = api.get("/client-grants", params={**params, "from": first["next"]}).json()
        assert [g["audience"] for g in second["client_grants"]] == [
            "https://paging-2.test/",
            "https://paging-3.test/",
        ]
        assert "next" not in second


def test_a_from_this_api_did_not_hand_out_is_a_400(tenant: Management) -> None:
    with tenant.api() as api:
        for bad in ("not-a-checkpoint", "W10", "eyJhIjogMX0"):  # garbage, [], {"a": 1}
            response = api.get("/connections", params={"from": bad, "take": 5})
            assert response.status_code == 400, response.text
            assert response.json()["errorCode"] == "invalid_query_string"


def test_without_from_or_take_pages_are_offsets_as_before(tenant: Management) -> None:
    with tenant.api() as api:
        listed = api.get("/connections", params={"include_totals": "true", "per_page": 2}).json()
        assert set(listed) == {"start", "limit", "length", "total", "connections"} and listed["length"] == 2
