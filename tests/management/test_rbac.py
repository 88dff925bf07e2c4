"""RBAC in a user's access token: with `enforce_policies` the scope is cut to what the user holds
(through roles or directly); `access_token_authz` adds the `permissions` claim (Auth0)."""

from __future__ import annotations

import jwt

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
