"""`/api/v2/emails/provider`: Auth0's shape, credentials sealed and never returned, one tenant's
provider invisible to another, and the outbox as what remains after a delete."""

from __future__ import annotations

import sqlite3

import pytest

from tests.management.conftest import Management, data_dir, grant_management

SECRET = "re_live_secret_key_0123456789"


@pytest.fixture(scope="module")
def other(mgmt: Management) -> Management:
    return grant_management(mgmt.server, "mailother")


def test_provider_lifecycle(mgmt: Management) -> None:
    with mgmt.api() as api:
        assert api.get("/emails/provider").json()["errorCode"] == "inexistent_email_provider"
        body = {
            "name": "resend",
            "default_from_address": "no-reply@acme.test",
            "credentials": {"api_key": SECRET},
            "settings": {"base_url": "https://relay.acme.test"},
        }
        created = api.post("/emails/provider", json=body)
        assert created.status_code == 201, created.text
        assert created.json() == {
            "name": "resend",
            "enabled": True,
            "default_from_address": "no-reply@acme.test",
            "credentials": {},
            "settings": {"base_url": "https://relay.acme.test"},
        }
        assert api.post("/emails/provider", json=body).status_code == 409
        patched = api.patch("/emails/provider", json={"enabled": False})
        assert patched.json()["enabled"] is False and patched.json()["name"] == "resend"
        assert api.get("/emails/provider").json()["default_from_address"] == "no-reply@acme.test"
    with sqlite3.connect(data_dir(mgmt) / "d1.sqlite") as db:
        stored = db.execute("SELECT credentials FROM email_providers").fetchall()
    assert stored and SECRET not in str(stored)  # sealed at rest
    with mgmt.api() as api:
        assert api.delete("/emails/provider").status_code == 204
        assert api.get("/emails/provider").status_code == 404


def test_bad_bodies_are_400(mgmt: Management) -> None:
    with mgmt.api() as api:
        for body in (
            {"name": "pigeon"},
            {"name": "sendgrid"},  # needs an api_key
            {"name": "mailgun", "credentials": {"api_key": "k"}},  # and a domain
            {"name": "resend", "credentials": {"api_key": "k"}, "settings": {"base_url": "ftp://x"}},
            {"name": "resend", "credentials": {"api_key": 5}},
            {"name": "resend", "unknown": 1},
        ):
            response = api.post("/emails/provider", json=body)
            assert response.status_code == 400, (body, response.text)
            assert {"statusCode", "error", "message", "errorCode"} <= set(response.json())


def test_tenants_do_not_see_each_others_provider(mgmt: Management, other: Management) -> None:
    with mgmt.api() as api:
        body = {"name": "sendgrid", "credentials": {"api_key": "k"}}
        assert api.post("/emails/provider", json=body).status_code == 201
    with other.api() as api:
        assert api.get("/emails/provider").status_code == 404
        assert api.delete("/emails/provider").status_code == 404
    with mgmt.api() as api:
        assert api.get("/emails/provider").json()["name"] == "sendgrid"
        assert api.delete("/emails/provider").status_code == 204


def test_scopes_are_checked(mgmt: Management) -> None:
    with mgmt.api("read:users") as api:
        response = api.post("/emails/provider", json={"name": "outbox"})
    assert response.status_code == 403 and "create:email_provider" in response.json()["message"]
