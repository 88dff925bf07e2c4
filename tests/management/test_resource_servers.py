"""`/api/v2/resource-servers`: CRUD through the Management API, seen by the token endpoint."""

from __future__ import annotations

import jwt
import pytest

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


# Every property of Auth0's resource-server schema the Terraform provider sends (its example
# resource, plus what it sends unset as null on update).
TERRAFORM_API = {
    "name": "Terraformed API",
    "identifier": "https://tf-api.example.com",
    "signing_alg": "RS256",
    "scopes": [{"value": "read:things", "description": "Read things"}],
    "allow_offline_access": True,
    "token_lifetime": 8600,
    "token_lifetime_for_web": 7000,
    "skip_consent_for_verifiable_first_party_clients": True,
    "enforce_policies": True,
    "token_dialect": "access_token_authz",
    "consent_policy": "transactional-authorization-with-mfa",
    "authorization_details": [{"type": "payment"}, {"type": "non-payment"}],
    "token_encryption": {
        "format": "compact-nested-jwe",
        "encryption_key": {"name": "keyname", "alg": "RSA-OAEP-256", "pem": "-----BEGIN CERTIFICATE-----"},
    },
    "proof_of_possession": {"mechanism": "mtls", "required": True},
    "subject_type_authorization": {
        "user": {"policy": "allow_all"},
        "client": {"policy": "require_client_grant"},
    },
}
NULLABLE = ("consent_policy", "authorization_details", "token_encryption", "proof_of_possession")


def test_terraform_shaped_bodies_read_back_equal_and_nulls_remove(mgmt: Management) -> None:
    with mgmt.api() as api:
        created = api.post("/resource-servers", json=TERRAFORM_API)
        assert created.status_code == 201, created.text
        read = api.get(f"/resource-servers/{created.json()['id']}").json()
        assert {key: read[key] for key in TERRAFORM_API} == TERRAFORM_API
        nulls = {
            **dict.fromkeys(NULLABLE),
            "name": None,
            "token_lifetime": None,
            "allow_offline_access": None,
        }
        patched = api.patch(f"/resource-servers/{created.json()['id']}", json=nulls)
        assert patched.status_code == 200, patched.text
        read = api.get(f"/resource-servers/{created.json()['id']}").json()
    assert not set(NULLABLE) & set(read)
    kept = (
        "name",
        "token_lifetime",
        "allow_offline_access",
        "token_lifetime_for_web",
        "subject_type_authorization",
    )
    assert {key: read[key] for key in kept} == {key: TERRAFORM_API[key] for key in kept}


def test_an_hs256_api_signs_its_tokens_with_its_own_secret(mgmt: Management) -> None:
    """Auth0 `signing_alg: HS256`: tokens for the API carry no `kid` and verify with the API's
    `signing_secret` (generated when not given); switching back to RS256 uses the tenant's keys."""
    app = mgmt.server.cli("apps", "create", "--name", "HS256 caller", "--type", "m2m")
    with mgmt.api() as api:
        created = api.post(
            "/resource-servers", json={"identifier": "https://hs256.test/", "signing_alg": "HS256"}
        )
        assert created.status_code == 201, created.text
        secret = created.json()["signing_secret"]
        assert created.json()["signing_alg"] == "HS256" and len(secret) >= 16
        assert api.get(f"/resource-servers/{created.json()['id']}").json()["signing_secret"] == secret
        short = api.post(
            "/resource-servers",
            json={"identifier": "https://hs2.test/", "signing_alg": "HS256", "signing_secret": "short"},
        )
        assert short.status_code == 400
    mgmt.server.cli("apps", "authorize", "--app", app["client_id"], "--api", "https://hs256.test/")
    form = {
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    with mgmt.server.client() as http:
        token = http.post("/oauth/token", data={**form, "audience": "https://hs256.test/"}).json()[
            "access_token"
        ]
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, secret, algorithms=["HS256"], audience="https://hs256.test/")
    assert claims["azp"] == app["client_id"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            "another secret that is long enough for HS256",
            algorithms=["HS256"],
            audience="https://hs256.test/",
        )

    with mgmt.api() as api:
        back = api.patch(f"/resource-servers/{created.json()['id']}", json={"signing_alg": "RS256"})
        assert back.status_code == 200 and "signing_secret" not in back.json()
    with mgmt.server.client() as http:
        token = http.post("/oauth/token", data={**form, "audience": "https://hs256.test/"}).json()[
            "access_token"
        ]
    assert jwt.get_unverified_header(token)["alg"] == "RS256" and "kid" in jwt.get_unverified_header(token)
