"""`/api/v2/resource-servers`: CRUD through the Management API, seen by the token endpoint."""

from __future__ import annotations

import jwt

from tests.management.conftest import Management, grant_management, user_access_token


def test_resource_server_lifecycle_reaches_the_token_endpoint(mgmt: Management) -> None:
    with mgmt.api() as api:
        created = api.post(
            "/resource-servers",
            json={
                "name": "Orders",
                "identifier": "https://orders.test/",
                "scopes": [{"value": "read:orders"}],
            },
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["identifier"] == "https://orders.test/" and body["scopes"][0]["value"] == "read:orders"

        listed = api.get("/resource-servers", params={"include_totals": "true"}).json()
        identifiers = [r["identifier"] for r in listed["resource_servers"]]
        assert identifiers[0] == mgmt.audience and "https://orders.test/" in identifiers
        assert listed["total"] == len(identifiers)

        patched = api.patch(f"/resource-servers/{body['id']}", json={"token_lifetime": 600})
        assert patched.status_code == 200 and patched.json()["token_lifetime"] == 600
        assert api.post("/resource-servers", json={"identifier": "https://orders.test/"}).status_code == 409
        system = api.patch("/resource-servers/api_management", json={"name": "x"})
        assert system.status_code == 403 and system.json()["errorCode"] == "operation_not_supported"

        assert api.delete(f"/resource-servers/{body['id']}").status_code == 204
        missing = api.get(f"/resource-servers/{body['id']}")
        assert missing.status_code == 404
        assert set(missing.json()) == {"statusCode", "error", "message", "errorCode"}


def test_authentication_and_scopes(mgmt: Management) -> None:
    with mgmt.server.client() as http:
        anonymous = http.get("/api/v2/resource-servers")
        assert anonymous.status_code == 401 and anonymous.json()["message"] == "Missing authentication"
        forged = http.get("/api/v2/resource-servers", headers={"Authorization": "Bearer a.b.c"})
        assert forged.status_code == 401 and forged.json()["errorCode"] == "invalid_token"
    with mgmt.api(scope="read:users") as api:
        denied = api.get("/resource-servers")
        assert denied.status_code == 403
        assert denied.json()["message"] == "Insufficient scope, expected any of: read:resource_servers"


def test_bad_payload_is_a_400_with_auth0_shape(mgmt: Management) -> None:
    with mgmt.api() as api:
        bad = api.post("/resource-servers", json={"identifier": 5, "unknown": True})
        assert bad.status_code == 400 and bad.json()["errorCode"] == "invalid_body"
        assert bad.json()["message"].startswith("Payload validation error")
        not_json = api.post("/resource-servers", content=b"{", headers={"Content-Type": "application/json"})
        assert not_json.status_code == 400
        assert (
            api.get("/resource-servers", params={"per_page": 1000}).json()["errorCode"]
            == "invalid_query_string"
        )


def test_openapi_document_and_reference_page(mgmt: Management) -> None:
    with mgmt.server.client() as http:
        document = http.get("/api/v2/openapi.json").json()
        assert document["openapi"].startswith("3.1")
        assert "/resource-servers/{id}" in document["paths"]
        page = http.get("/api/v2/docs")
        assert (
            page.status_code == 200 and "/resource-servers/{id}" in page.text and "<script" not in page.text
        )


def test_a_signed_in_user_gets_no_management_scope(mgmt: Management) -> None:
    """Asking `/authorize` for `audience={issuer}api/v2/&scope=delete:users` gives a user nothing."""
    server = mgmt.server
    server.cli("users", "create", "--email", "mallory@example.com", "--password", "mallory-password-1")
    token = user_access_token(
        server, "mallory@example.com", "mallory-password-1", mgmt.audience, "openid read:resource_servers"
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scope"] == "openid"
    with server.client() as http:
        denied = http.get("/api/v2/resource-servers", headers={"Authorization": f"Bearer {token}"})
    assert denied.status_code == 403 and denied.json()["errorCode"] == "insufficient_scope"


def test_tenant_isolation(mgmt: Management) -> None:
    other = grant_management(mgmt.server, "apisother")
    with mgmt.api() as api, other.api() as other_api:
        mine = api.post("/resource-servers", json={"identifier": "https://isolated.test/"}).json()
        for call in (
            other_api.get(f"/resource-servers/{mine['id']}"),
            other_api.patch(f"/resource-servers/{mine['id']}", json={"name": "stolen"}),
            other_api.delete(f"/resource-servers/{mine['id']}"),
        ):
            assert call.status_code == 404
        assert "https://isolated.test/" not in [
            r["identifier"] for r in other_api.get("/resource-servers").json()
        ]
        assert other_api.get("/resource-servers").json()[0]["identifier"] == other.audience
        assert api.get(f"/resource-servers/{mine['id']}").json()["name"] == "https://isolated.test/"
