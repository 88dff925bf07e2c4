"""RBAC in a user's access token: with `enforce_policies` the scope is cut to what the user holds
(through roles or directly); `access_token_authz` adds the `permissions` claim (Auth0). The RFC 9068
profiles (`rfc9068_profile`, `rfc9068_profile_authz`) name the client `client_id` and type the
token `at+jwt` (RFC 9068 §2.1, §2.2)."""

from __future__ import annotations

import jwt

from tests.conftest import M2MApp
from tests.management.conftest import Management, user_access_token
from tests.management.test_roles import PASSWORD, make_api, make_user, permission

SCOPE = "openid read:a write:a delete:a"


def login_scope(mgmt: Management, user_id: str, audience: str) -> dict:
    with mgmt.api() as api:
        email = api.get(f"/users/{user_id}").json()["email"]
    token = user_access_token(mgmt.server, email, PASSWORD, audience, SCOPE)
    return jwt.decode(token, options={"verify_signature": False})


def test_without_rbac_every_requested_scope_the_api_defines(mgmt: Management) -> None:
    with mgmt.api() as api:
        identifier, _ = make_api(api, ["read:a", "write:a", "delete:a"])
        user_id = make_user(api)
    claims = login_scope(mgmt, user_id, identifier)
    assert claims["scope"] == SCOPE and "permissions" not in claims


def test_enforce_policies_cuts_the_scope_to_the_users_permissions(mgmt: Management) -> None:
    with mgmt.api() as api:
        identifier, api_id = make_api(api, ["read:a", "write:a", "delete:a"], enforce_policies=True)
        user_id = make_user(api)
        role_id = api.post("/roles", json={"name": f"reader-{user_id[-6:]}"}).json()["id"]
        api.post(f"/roles/{role_id}/permissions", json={"permissions": [permission(identifier, "read:a")]})
        api.post(f"/users/{user_id}/roles", json={"roles": [role_id]})
        api.post(f"/users/{user_id}/permissions", json={"permissions": [permission(identifier, "delete:a")]})
    claims = login_scope(mgmt, user_id, identifier)
    assert claims["scope"] == "openid read:a delete:a" and "permissions" not in claims

    with mgmt.api() as api:
        assert api.patch(
            f"/resource-servers/{api_id}", json={"token_dialect": "access_token_authz"}
        ).is_success
        assert api.request("DELETE", f"/users/{user_id}/roles", json={"roles": [role_id]}).is_success
    claims = login_scope(mgmt, user_id, identifier)
    assert claims["scope"] == "openid delete:a" and claims["permissions"] == ["delete:a"]


def test_rfc9068_profile_tokens(mgmt: Management) -> None:
    with mgmt.api() as api:
        identifier, _ = make_api(
            api, ["read:a"], enforce_policies=True, token_dialect="rfc9068_profile_authz"
        )
        user_id = make_user(api)
        api.post(f"/users/{user_id}/permissions", json={"permissions": [permission(identifier, "read:a")]})
        email = api.get(f"/users/{user_id}").json()["email"]
        worker = api.post("/clients", json={"name": "RFC 9068 worker", "app_type": "non_interactive"}).json()
        grant = {"client_id": worker["client_id"], "audience": identifier, "scope": ["read:a"]}
        assert api.post("/client-grants", json=grant).status_code == 201
    user_token = user_access_token(mgmt.server, email, PASSWORD, identifier, SCOPE)
    assert jwt.get_unverified_header(user_token)["typ"] == "at+jwt"
    claims = jwt.decode(user_token, options={"verify_signature": False})
    assert claims["client_id"] and "azp" not in claims and claims["permissions"] == ["read:a"]
    with mgmt.server.client() as http:
        userinfo = http.get("/userinfo", headers={"Authorization": f"Bearer {user_token}"})
    assert userinfo.status_code == 200 and userinfo.json()["sub"] == user_id

    issued = mgmt.server.token(M2MApp(worker["client_id"], worker["client_secret"], identifier, []))
    assert issued.status_code == 200, issued.text
    m2m = issued.json()["access_token"]
    assert jwt.get_unverified_header(m2m)["typ"] == "at+jwt"
    m2m_claims = jwt.decode(m2m, options={"verify_signature": False})
    assert m2m_claims["client_id"] == worker["client_id"] and "azp" not in m2m_claims
