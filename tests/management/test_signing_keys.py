"""`/api/v2/keys/signing`: list, rotate, and revoke the previous key, which leaves the JWKS so
tokens it signed stop verifying; one tenant's keys are invisible to another."""

from __future__ import annotations

import jwt
from auth0.management.types import (
    GetSigningKeysResponseContent,
    RevokedSigningKeysResponseContent,
    RotateSigningKeysResponseContent,
)

from tests.management.conftest import Management, grant_management


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def roles(keys: list[dict]) -> dict[str, str]:
    """kid by role (current, next, previous, revoked)."""
    flags = ("current", "next", "previous", "revoked")
    return {flag: key["kid"] for key in keys for flag in flags if key[flag]}


def test_rotate_then_revoke_the_previous_key(mgmt: Management) -> None:
    old_token = mgmt.token()
    with mgmt.api() as api:
        keys = api.get("/keys/signing").json()
        before = roles(keys)
        assert before["current"] == kid_of(old_token) and "next" in before and "revoked" not in before
        assert all(
            k["cert"] == "" and len(k["thumbprint"]) == 64 and k["fingerprint"].count(":") == 31 for k in keys
        )

        rotated = api.post("/keys/signing/rotate")
        assert rotated.status_code == 201 and rotated.json()["kid"] == before["next"]
        RotateSigningKeysResponseContent.model_validate(rotated.json())
        after = roles(api.get("/keys/signing").json())
        assert after["current"] == before["next"] and after["previous"] == before["current"]

    new_token = mgmt.token()
    assert kid_of(new_token) == after["current"]
    assert before["current"] in mgmt.server.jwks()
    with mgmt.api() as api:
        api.headers["Authorization"] = f"Bearer {old_token}"
        assert api.get("/keys/signing").status_code == 200  # the previous key still verifies

        api.headers["Authorization"] = f"Bearer {new_token}"
        for kid in (after["current"], after["next"]):
            refused = api.put(f"/keys/signing/{kid}/revoke")
            assert refused.status_code == 400 and refused.json()["errorCode"] == "invalid_signing_key_state"
        assert api.put("/keys/signing/no-such-kid/revoke").status_code == 404

        revoked = api.put(f"/keys/signing/{before['current']}/revoke")
        assert revoked.status_code == 200 and revoked.json()["kid"] == before["current"]
        RevokedSigningKeysResponseContent.model_validate(revoked.json())
        key = api.get(f"/keys/signing/{before['current']}").json()
        GetSigningKeysResponseContent.model_validate(key)
        assert key["revoked"] is True and key["revoked_at"].endswith("Z") and key["previous"] is False
        assert api.put(f"/keys/signing/{before['current']}/revoke").status_code == 409

        assert before["current"] not in mgmt.server.jwks()
        api.headers["Authorization"] = f"Bearer {old_token}"
        assert api.get("/keys/signing").status_code == 401
        api.headers["Authorization"] = f"Bearer {new_token}"
        assert roles(api.get("/keys/signing").json())["revoked"] == before["current"]


def test_scopes(mgmt: Management) -> None:
    with mgmt.api(scope="read:signing_keys") as api:
        assert api.get("/keys/signing").status_code == 200
        assert api.post("/keys/signing/rotate").status_code == 403
        kid = roles(api.get("/keys/signing").json())["current"]
        assert api.put(f"/keys/signing/{kid}/revoke").status_code == 403


def test_tenants_are_isolated(mgmt: Management) -> None:
    other = grant_management(mgmt.server, "keys-other")
    with mgmt.api() as api:
        mine = roles(api.get("/keys/signing").json())
    with other.api() as api:
        theirs = roles(api.get("/keys/signing").json())
        assert not set(mine.values()) & set(theirs.values())
        assert api.get(f"/keys/signing/{mine['current']}").status_code == 404
        assert api.post("/keys/signing/rotate").status_code == 201
    with mgmt.api() as api:
        assert roles(api.get("/keys/signing").json()) == mine
    with mgmt.server.client() as http:
        foreign = {"Authorization": f"Bearer {other.token()}"}
        assert http.post("/api/v2/keys/signing/rotate", headers=foreign).status_code == 401
        assert http.get("/api/v2/keys/signing", headers=foreign).status_code == 401
