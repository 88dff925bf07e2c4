"""`/api/v2/client-grants`: what client_credentials may get, changed through the Management API."""

from __future__ import annotations

import httpx
import jwt

from tests.conftest import M2MApp
from tests.management.conftest import Management, grant_management

API = "https://grants.test/"


def token(mgmt: Management, app: dict, audience: str = API, tenant: str = "") -> httpx.Response:
    """client_credentials for `audience` with the app's secret."""
    return mgmt.server.token(M2MApp(app["client_id"], app["client_secret"], audience, []), tenant or None)


def setup_api_and_app(api: httpx.Client, identifier: str = API) -> dict:
    scopes = [{"value": "read:things"}, {"value": "write:things"}]
    assert api.post("/resource-servers", json={"identifier": identifier, "scopes": scopes}).status_code == 201
    return api.post("/clients", json={"name": "Worker", "app_type": "non_interactive"}).json()


def test_grant_lifecycle_reaches_client_credentials(mgmt: Management) -> None:
    with mgmt.api() as api:
        app = setup_api_and_app(api)
        denied = token(mgmt, app)
        assert denied.status_code == 403 and denied.json()["error"] == "access_denied"

        created = api.post(
            "/client-grants", json={"client_id": app["client_id"], "audience": API, "scope": ["read:things"]}
        )
        assert created.status_code == 201, created.text
        grant = created.json()
        assert grant["id"].startswith("cgr_") and grant["scope"] == ["read:things"]
        claims = jwt.decode(token(mgmt, app).json()["access_token"], options={"verify_signature": False})
        assert claims["scope"] == "read:things"

        patched = api.patch(f"/client-grants/{grant['id']}", json={"scope": ["read:things", "write:things"]})
        assert patched.status_code == 200 and patched.json()["scope"] == ["read:things", "write:things"]
        claims = jwt.decode(token(mgmt, app).json()["access_token"], options={"verify_signature": False})
        assert claims["scope"] == "read:things write:things"

        listed = api.get("/client-grants", params={"audience": API, "include_totals": "true"}).json()
        assert listed["total"] == 1 and listed["client_grants"][0]["id"] == grant["id"]
        assert api.get("/client-grants", params={"client_id": app["client_id"]}).json()[0]["audience"] == API

        assert api.delete(f"/client-grants/{grant['id']}").status_code == 204
        revoked = token(mgmt, app)
        assert revoked.status_code == 403 and revoked.json()["error"] == "access_denied"
        assert api.delete(f"/client-grants/{grant['id']}").status_code == 404
        assert api.patch(f"/client-grants/{grant['id']}", json={"scope": []}).status_code == 404


def test_management_api_audience_is_the_public_one(mgmt: Management) -> None:
    with mgmt.api() as api:
        app = api.post("/clients", json={"name": "Auditor", "app_type": "non_interactive"}).json()
        body = {"client_id": app["client_id"], "audience": mgmt.audience, "scope": ["read:logs"]}
        created = api.post("/client-grants", json=body)
        assert created.status_code == 201 and created.json()["audience"] == mgmt.audience
        listed = api.get("/client-grants", params={"audience": mgmt.audience}).json()
        assert app["client_id"] in [g["client_id"] for g in listed]
        assert all(g["audience"] == mgmt.audience for g in listed)
        claims = jwt.decode(
            token(mgmt, app, mgmt.audience).json()["access_token"], options={"verify_signature": False}
        )
        assert claims["scope"] == "read:logs"


def test_conflicts_and_bad_bodies(mgmt: Management) -> None:
    with mgmt.api() as api:
        app = setup_api_and_app(api, "https://grants-bad.test/")
        body = {
            "client_id": app["client_id"],
            "audience": "https://grants-bad.test/",
            "scope": ["read:things"],
        }
        assert api.post("/client-grants", json=body).status_code == 201
        assert api.post("/client-grants", json=body).status_code == 409
        other_app = api.post("/clients", json={"name": "Other", "app_type": "non_interactive"}).json()
        undefined = api.post(
            "/client-grants", json={**body, "client_id": other_app["client_id"], "scope": ["fly"]}
        )
        assert undefined.status_code == 400 and "fly" in undefined.json()["message"]
        unknown_client = api.post("/client-grants", json={**body, "client_id": "nope"})
        assert unknown_client.status_code == 404 and unknown_client.json()["errorCode"] == "inexistent_client"
        unknown_api = api.post("/client-grants", json={**body, "audience": "https://nowhere.test/"})
        assert unknown_api.status_code == 404
        for bad in ({"client_id": app["client_id"]}, {**body, "scope": "read:things"}, {**body, "extra": 1}):
            response = api.post("/client-grants", json=bad)
            assert response.status_code == 400 and response.json()["errorCode"] == "invalid_body"
        grant_id = api.get("/client-grants", params={"client_id": app["client_id"]}).json()[0]["id"]
        refused = api.patch(f"/client-grants/{grant_id}", json={"scope": ["write:nothing"]})
        assert refused.status_code == 400
        assert api.patch(f"/client-grants/{grant_id}", json={"scope": None}).status_code == 400


def test_tenant_isolation(mgmt: Management) -> None:
    other = grant_management(mgmt.server, "grants-b")
    with other.api() as api:
        app = setup_api_and_app(api)
        body = {"client_id": app["client_id"], "audience": API, "scope": ["read:things"]}
        grant_id = api.post("/client-grants", json=body).json()["id"]
    with mgmt.api() as api:
        assert grant_id not in [g["id"] for g in api.get("/client-grants", params={"per_page": 100}).json()]
        assert api.patch(f"/client-grants/{grant_id}", json={"scope": []}).status_code == 404
        assert api.delete(f"/client-grants/{grant_id}").status_code == 404
        # B's client cannot be granted one of A's APIs from A.
        foreign = api.post(
            "/client-grants", json={**body, "audience": mgmt.audience, "scope": ["read:users"]}
        )
        assert foreign.status_code == 404
    assert token(mgmt, app, tenant="grants-b").status_code == 200
