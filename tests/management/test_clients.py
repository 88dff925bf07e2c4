"""`/api/v2/clients`: CRUD and rotate-secret through the Management API, seen at once by
`/authorize` and `/oauth/token` (the KV snapshot is republished after each D1 write)."""

from __future__ import annotations

import httpx

from tests.browser import Browser, code_query, pkce_pair
from tests.conftest import M2MApp
from tests.management.conftest import Management, grant_management

OLD_CALLBACK = "https://old.example/cb"
NEW_CALLBACK = "https://new.example/cb"


def authorize(mgmt: Management, client_id: str, redirect_uri: str) -> httpx.Response:
    return Browser(mgmt.server).authorize(code_query(client_id, redirect_uri, pkce_pair()[1], state="s"))


def client_credentials(mgmt: Management, client_id: str, secret: str) -> httpx.Response:
    return mgmt.server.token(M2MApp(client_id, secret, mgmt.audience, []))


def test_create_returns_auth0_shape_and_round_trips_auth0_fields(mgmt: Management) -> None:
    with mgmt.api() as api:
        created = api.post(
            "/clients",
            json={
                "name": "Shop",
                "app_type": "regular_web",
                "callbacks": [OLD_CALLBACK],
                "description": "The shop",
                "client_metadata": {"tier": "gold", "region": "eu"},
                "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 600},
                "oidc_conformant": True,
            },
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["client_secret"] and body["token_endpoint_auth_method"] == "client_secret_post"
        assert body["grant_types"] == [
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
        ]
        client_id = body["client_id"]

        patched = api.patch(
            f"/clients/{client_id}",
            json={"client_metadata": {"region": None, "plan": "pro"}, "description": None, "name": "Shop 2"},
        )
        assert patched.status_code == 200, patched.text
        got = api.get(f"/clients/{client_id}").json()
        assert got["name"] == "Shop 2" and "description" not in got
        assert got["client_metadata"] == {"tier": "gold", "plan": "pro"}
        assert got["jwt_configuration"]["lifetime_in_seconds"] == 600
        assert got["callbacks"] == [OLD_CALLBACK]

        selected = api.get(f"/clients/{client_id}", params={"fields": "client_id,name"}).json()
        assert selected == {"client_id": client_id, "name": "Shop 2"}


# Properties the Terraform provider sends on every create (Auth0 accepts all of them).
TERRAFORM_FIELDS = {
    "cross_origin_auth": False,
    "oidc_backchannel_logout": {"backchannel_logout_urls": ["https://tf.example/logout"]},
    "require_pushed_authorization_requests": False,
    "require_proof_of_possession": False,
    "compliance_level": "none",
    "client_authentication_methods": {"private_key_jwt": {"credentials": []}},
    "skip_non_verifiable_callback_uri_confirmation_prompt": True,
}


def test_terraform_shaped_bodies_round_trip_and_nulls_remove_them(mgmt: Management) -> None:
    grant_types = ["client_credentials", "urn:ietf:params:oauth:grant-type:device_code"]
    body = {
        "name": "Terraformed",
        "app_type": "non_interactive",
        "grant_types": grant_types,
        **TERRAFORM_FIELDS,
    }
    with mgmt.api() as api:
        created = api.post("/clients", json=body)
        assert created.status_code == 201, created.text
        client_id = created.json()["client_id"]
        got = api.get(f"/clients/{client_id}").json()
        assert {name: got[name] for name in body} == body
        patched = api.patch(f"/clients/{client_id}", json=dict.fromkeys(TERRAFORM_FIELDS))
        assert patched.status_code == 200, patched.text
        assert not set(TERRAFORM_FIELDS) & set(api.get(f"/clients/{client_id}").json())
        secret = created.json()["client_secret"]
    refused = mgmt.server.token(M2MApp(client_id, secret, mgmt.audience, []), grant_type=grant_types[1])
    assert refused.status_code == 400 and refused.json()["error"] == "unsupported_grant_type"


def test_client_secret_only_with_read_client_keys(mgmt: Management) -> None:
    with mgmt.api() as api:
        client_id = api.post("/clients", json={"name": "Keys", "app_type": "non_interactive"}).json()[
            "client_id"
        ]
        assert api.get(f"/clients/{client_id}").json()["client_secret"]
    with mgmt.api(scope="read:clients") as api:
        body = api.get(f"/clients/{client_id}").json()
        assert "client_secret" not in body and body["app_type"] == "non_interactive"
        listed = api.get("/clients", params={"app_type": "non_interactive"}).json()
        assert client_id in [c["client_id"] for c in listed]
        assert all(c["app_type"] == "non_interactive" and "client_secret" not in c for c in listed)


def test_list_pages_with_totals(mgmt: Management) -> None:
    with mgmt.api() as api:
        for n in range(3):
            api.post("/clients", json={"name": f"Paged {n}", "app_type": "spa"})
        first = api.get(
            "/clients", params={"per_page": 2, "include_totals": "true", "app_type": "spa"}
        ).json()
        assert first["limit"] == 2 and first["length"] == 2 and first["total"] >= 3
        seen = [c["client_id"] for c in first["clients"]]
        rest = api.get("/clients", params={"per_page": 2, "page": 1, "app_type": "spa"}).json()
        assert not set(seen) & {c["client_id"] for c in rest}


def test_patched_callback_takes_effect_on_authorize_at_once(mgmt: Management) -> None:
    with mgmt.api() as api:
        app = api.post(
            "/clients", json={"name": "Web", "app_type": "spa", "callbacks": [OLD_CALLBACK]}
        ).json()
        assert authorize(mgmt, app["client_id"], OLD_CALLBACK).status_code == 200
        assert authorize(mgmt, app["client_id"], NEW_CALLBACK).status_code == 400

        patched = api.patch(f"/clients/{app['client_id']}", json={"callbacks": [NEW_CALLBACK]})
        assert patched.status_code == 200 and patched.json()["callbacks"] == [NEW_CALLBACK]
    assert authorize(mgmt, app["client_id"], NEW_CALLBACK).status_code == 200
    refused = authorize(mgmt, app["client_id"], OLD_CALLBACK)
    assert refused.status_code == 400 and "not in the list of allowed callback URLs" in refused.text


def test_rotated_secret_replaces_the_old_one_and_deleted_client_is_unknown(mgmt: Management) -> None:
    with mgmt.api() as api:
        app = api.post("/clients", json={"name": "Rotating", "app_type": "non_interactive"}).json()
        grant = {"client_id": app["client_id"], "audience": mgmt.audience, "scope": ["read:users"]}
        assert api.post("/client-grants", json=grant).status_code == 201
        assert client_credentials(mgmt, app["client_id"], app["client_secret"]).status_code == 200

        rotated = api.post(f"/clients/{app['client_id']}/rotate-secret")
        assert rotated.status_code == 200
        new_secret = rotated.json()["client_secret"]
        assert new_secret != app["client_secret"]
        old = client_credentials(mgmt, app["client_id"], app["client_secret"])
        assert old.status_code == 401 and old.json()["error"] == "invalid_client"
        assert client_credentials(mgmt, app["client_id"], new_secret).status_code == 200

        assert api.delete(f"/clients/{app['client_id']}").status_code == 204
        gone = client_credentials(mgmt, app["client_id"], new_secret)
        assert gone.status_code == 401 and gone.json()["error"] == "invalid_client"
        missing = api.get(f"/clients/{app['client_id']}")
        assert missing.status_code == 404 and missing.json()["errorCode"] == "inexistent_client"
        assert api.get("/client-grants", params={"client_id": app["client_id"]}).json() == []
        assert api.delete(f"/clients/{app['client_id']}").status_code == 404


def test_scopes_for_keys(mgmt: Management) -> None:
    with mgmt.api() as api:
        client_id = api.post("/clients", json={"name": "Scoped"}).json()["client_id"]
    with mgmt.api(scope="read:clients update:clients") as api:
        denied = api.post(f"/clients/{client_id}/rotate-secret")
        assert denied.status_code == 403 and denied.json()["errorCode"] == "insufficient_scope"
        assert "client_secret" not in api.patch(f"/clients/{client_id}", json={"name": "S"}).json()


def test_bad_bodies_are_400(mgmt: Management) -> None:
    with mgmt.api() as api:
        for body in (
            {},
            {"name": ""},
            {"name": "x", "app_type": "mainframe"},
            {"name": "x", "grant_types": ["magic"]},
            {"name": "x", "callbacks": "https://not-a-list.example"},
            {"name": "x", "unknown_property": 1},
            {"name": "x", "client_metadata": {f"k{n}": "v" for n in range(11)}},
        ):
            bad = api.post("/clients", json=body)
            assert bad.status_code == 400 and bad.json()["errorCode"] == "invalid_body", (body, bad.text)
        client_id = api.post("/clients", json={"name": "Valid"}).json()["client_id"]
        null_name = api.patch(f"/clients/{client_id}", json={"name": None})
        assert null_name.status_code == 400 and null_name.json()["errorCode"] == "invalid_body"
        assert api.patch(f"/clients/{client_id}", json={"callbacks": None}).status_code == 400
        assert api.patch("/clients/nope", json={"name": "x"}).status_code == 404
        assert api.post("/clients/nope/rotate-secret").status_code == 404


def test_tenant_isolation(mgmt: Management) -> None:
    other = grant_management(mgmt.server, "clients-b")
    with other.api() as api:
        theirs = api.post("/clients", json={"name": "B's app", "callbacks": [OLD_CALLBACK]}).json()[
            "client_id"
        ]
    with mgmt.api() as api:
        assert theirs not in [c["client_id"] for c in api.get("/clients", params={"per_page": 100}).json()]
        assert api.get(f"/clients/{theirs}").status_code == 404
        assert api.patch(f"/clients/{theirs}", json={"callbacks": [NEW_CALLBACK]}).status_code == 404
        assert api.post(f"/clients/{theirs}/rotate-secret").status_code == 404
        assert api.delete(f"/clients/{theirs}").status_code == 404
    with other.api() as api:
        assert api.get(f"/clients/{theirs}").json()["callbacks"] == [OLD_CALLBACK]


# Every property of Auth0's client schema the Terraform provider manages (`auth0_client`).
TERRAFORM_CLIENT = {
    "name": "Terraformed in full",
    "description": "Managed by Terraform",
    "app_type": "regular_web",
    "logo_uri": "https://tf.example/logo.png",
    "callbacks": ["https://tf.example/callback"],
    "allowed_logout_urls": ["https://tf.example/logout"],
    "web_origins": ["https://tf.example"],
    "allowed_origins": ["https://tf.example"],
    "client_aliases": ["tf-alias"],
    "allowed_clients": ["tf-other-client"],
    "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
    "token_endpoint_auth_method": "client_secret_post",
    "is_first_party": True,
    "oidc_conformant": True,
    "sso": False,
    "sso_disabled": False,
    "cross_origin_loc": "https://tf.example/cross-origin",
    "custom_login_page_on": False,
    "custom_login_page": "<html></html>",
    "custom_login_page_preview": "<html></html>",
    "form_template": "<form></form>",
    "initiate_login_uri": "https://tf.example/login",
    "is_token_endpoint_ip_header_trusted": False,
    "jwt_configuration": {
        "lifetime_in_seconds": 36000,
        "secret_encoded": False,
        "alg": "RS256",
        "scopes": {},
    },
    "encryption_key": {
        "pub": "-----BEGIN PUBLIC KEY-----",
        "cert": "-----BEGIN CERTIFICATE-----",
        "subject": "CN=tf",
    },
    "refresh_token": {
        "rotation_type": "rotating",
        "expiration_type": "expiring",
        "leeway": 15,
        "token_lifetime": 2592000,
        "infinite_token_lifetime": False,
        "infinite_idle_token_lifetime": False,
        "idle_token_lifetime": 1296000,
    },
    "mobile": {"ios": {"team_id": "9JA89QQLNQ", "app_bundle_identifier": "com.tf.app"}},
    "native_social_login": {"apple": {"enabled": False}, "facebook": {"enabled": False}},
    "addons": {"samlp": {"audience": "https://tf.example"}},
    "oidc_logout": {"backchannel_logout_urls": ["https://tf.example/bcl"]},
    "organization_usage": "deny",
    "organization_require_behavior": "no_prompt",
    "client_metadata": {"team": "identity"},
    "token_exchange": {"allow_any_profile_of_type": ["custom_authentication"]},
    **TERRAFORM_FIELDS,
}


def test_every_terraform_client_property_reads_back_equal(mgmt: Management) -> None:
    with mgmt.api() as api:
        created = api.post("/clients", json=TERRAFORM_CLIENT)
        assert created.status_code == 201, created.text
        read = api.get(f"/clients/{created.json()['client_id']}").json()
        assert {key: read.get(key) for key in TERRAFORM_CLIENT} == TERRAFORM_CLIENT
        # The provider's update sends the whole resource again, unset optional blocks as null.
        update = {**TERRAFORM_CLIENT, "description": "Changed", "addons": None, "encryption_key": None}
        patched = api.patch(f"/clients/{created.json()['client_id']}", json=update)
        assert patched.status_code == 200, patched.text
        read = api.get(f"/clients/{created.json()['client_id']}").json()
    kept = {key: value for key, value in update.items() if value is not None}
    assert {key: read.get(key) for key in kept} == kept
    assert "addons" not in read and "encryption_key" not in read
