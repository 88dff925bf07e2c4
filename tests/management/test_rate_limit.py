"""Management API rate limit: `x-ratelimit-*` on every response, 429 in Auth0's shape beyond the
tenant's limit, and one tenant's traffic never limits another."""

from __future__ import annotations

import time

import httpx

from tests.management.conftest import Management, grant_management

LIMIT = 4


def test_every_response_carries_the_headers(mgmt: Management) -> None:
    with mgmt.api() as api:
        first = api.get("/tenants/settings")
        second = api.get("/tenants/settings")
    limit = first.json()["management_api_rate_limit"]["requests"]
    assert first.headers["x-ratelimit-limit"] == str(limit)
    assert int(second.headers["x-ratelimit-remaining"]) < int(first.headers["x-ratelimit-remaining"])
    assert int(first.headers["x-ratelimit-reset"]) > time.time() - 1
    with mgmt.server.client() as http:
        anonymous = http.get("/api/v2/tenants/settings")
    assert anonymous.status_code == 401 and "x-ratelimit-remaining" in anonymous.headers


def test_a_tenant_over_its_limit_gets_429_and_others_do_not(mgmt: Management) -> None:
    limited = grant_management(mgmt.server, "limited")
    with limited.api() as api:
        patched = api.patch(
            "/tenants/settings",
            json={"management_api_rate_limit": {"requests": LIMIT, "window_seconds": 3600}},
        )
        assert patched.status_code == 200, patched.text
        responses = [api.get("/branding") for _ in range(2 * LIMIT + 2)]  # a window may end meanwhile
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json() == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Global limit has been reached",
        "errorCode": "too_many_requests",
    }
    assert (
        refused.headers["x-ratelimit-limit"] == str(LIMIT) and refused.headers["x-ratelimit-remaining"] == "0"
    )
    assert int(refused.headers["x-ratelimit-reset"]) > time.time()
    assert [r.status_code for r in responses[:2]] == [200, 200]

    with mgmt.api() as api:
        other = api.get("/branding")
    assert other.status_code == 200 and int(other.headers["x-ratelimit-remaining"]) > 0


def test_strangers_without_a_token_cannot_spend_a_tenants_budget(mgmt: Management) -> None:
    """The review: the limit counted every request before authentication, so ~10 anonymous
    requests a second kept every admin at 429. Now only verified callers count against the tenant;
    the rest count against their IP."""
    flooded = grant_management(mgmt.server, "flooded")
    with flooded.api() as api:
        limit = {"management_api_rate_limit": {"requests": LIMIT, "window_seconds": 3600}}
        assert api.patch("/tenants/settings", json=limit).status_code == 200
    with httpx.Client(base_url=mgmt.server.base_url, headers={"Host": flooded.host}, timeout=30) as stranger:
        answers = [stranger.get("/api/v2/users").status_code for _ in range(70)]
        forged = stranger.get("/api/v2/users", headers={"Authorization": "Bearer forged"})
    assert answers[0] == 401 and answers[-1] == 429  # the stranger's own address ran out
    assert forged.status_code == 401  # a token is still looked at
    with flooded.api() as api:
        assert api.get("/branding").status_code == 200  # the admin is not limited by any of it
