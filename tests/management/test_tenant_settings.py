"""`/api/v2/tenants/settings`, `/branding` and `/email-templates`: stored, served, and what the
login and token paths read of them takes effect at once; one tenant never sees another's."""

from __future__ import annotations

import pytest
from auth0.management.types import (
    GetBrandingResponseContent,
    GetEmailTemplateResponseContent,
    GetTenantSettingsResponseContent,
)

from tests.browser import Browser, code_query, pkce_pair
from tests.conftest import make_m2m_app
from tests.management.conftest import Management

CALLBACK = "https://branding.example/callback"


def test_settings_round_trip_and_defaults(mgmt: Management) -> None:
    with mgmt.api() as api:
        settings = api.get("/tenants/settings").json()
        assert settings["friendly_name"] == "default" and settings["allowed_logout_urls"] == []
        assert settings["session_lifetime"] == 168 and settings["enabled_locales"][0] == "en"
        patched = api.patch(
            "/tenants/settings",
            json={
                "friendly_name": "Acme",
                "support_email": "help@acme.test",
                "flags": {"enable_client_connections": False},
                "sandbox_version": "22",
                "logs_retention_days": 7,
            },
        )
        assert patched.status_code == 200, patched.text
        api.patch("/tenants/settings", json={"flags": {"disable_clickjack_protection_headers": True}})
        settings = api.get("/tenants/settings").json()
    assert settings["friendly_name"] == "Acme" and settings["support_email"] == "help@acme.test"
    assert settings["sandbox_version"] == "22" and settings["logs_retention_days"] == 7
    assert settings["flags"] == {
        "enable_client_connections": False,
        "disable_clickjack_protection_headers": True,
    }
    assert "branding" not in settings
    assert GetTenantSettingsResponseContent.model_validate(settings).friendly_name == "Acme"


def test_session_lifetimes_in_minutes_are_the_same_settings_in_hours(other: Management) -> None:
    """What the Deploy CLI sends on import: Auth0's `*_in_minutes` form of the lifetimes."""
    with other.api() as api:
        patched = api.patch(
            "/tenants/settings",
            json={"session_lifetime_in_minutes": 90, "idle_session_lifetime_in_minutes": 30},
        )
        assert patched.status_code == 200, patched.text
        settings = api.get("/tenants/settings").json()
        assert (settings["session_lifetime"], settings["idle_session_lifetime"]) == (1.5, 0.5)
        assert "session_lifetime_in_minutes" not in settings
        both = api.patch(
            "/tenants/settings", json={"session_lifetime": 2, "session_lifetime_in_minutes": 120}
        )
        assert both.status_code == 400 and "not both" in both.json()["message"]
        restored = {"session_lifetime_in_minutes": 168 * 60, "idle_session_lifetime_in_minutes": 72 * 60}
        assert api.patch("/tenants/settings", json=restored).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"session_lifetime": -1},
        {"session_lifetime_in_minutes": 0},
        {"support_url": "javascript:alert(1)"},
        {"Not-A-Setting": 1},
        {"branding": {"logo_url": "https://x.test/a.png"}},
        {"management_api_rate_limit": {"requests": 0}},
        {"password_policy": {"min_length": "long"}},
    ],
)
def test_bad_settings_are_400(mgmt: Management, body: dict) -> None:
    with mgmt.api() as api:
        response = api.patch("/tenants/settings", json=body)
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_body", response.text


def test_patched_default_audience_is_used_by_the_token_endpoint(mgmt: Management) -> None:
    app = make_m2m_app(mgmt.server, "https://default-audience.test/", ["read:things"])
    assert mgmt.server.token(app, audience=None).status_code == 403
    with mgmt.api() as api:
        api.patch("/tenants/settings", json={"default_audience": "https://default-audience.test/"})
    response = mgmt.server.token(app, audience=None)
    assert response.status_code == 200, response.text
    with mgmt.api() as api:
        api.patch("/tenants/settings", json={"default_audience": ""})


def test_patched_logout_urls_are_used_by_logout(mgmt: Management) -> None:
    target = "https://after-logout.test/bye"
    with mgmt.server.client() as http:
        assert http.get("/v2/logout", params={"returnTo": target}).status_code == 400
        with mgmt.api() as api:
            api.patch("/tenants/settings", json={"allowed_logout_urls": [target]})
        response = http.get("/v2/logout", params={"returnTo": target})
    assert response.status_code == 302 and response.headers["location"] == target


def login_page(mgmt: Management) -> str:
    app = mgmt.server.cli("apps", "create", "--name", "SPA", "--type", "spa", "--callbacks", CALLBACK)
    _, challenge = pkce_pair()
    page = Browser(mgmt.server).authorize(code_query(app["client_id"], CALLBACK, challenge))
    assert page.status_code == 200, page.text
    return page.text


def test_branding_shows_on_the_hosted_login_page(mgmt: Management) -> None:
    logo, favicon = "https://cdn.acme.test/logo.png", "https://cdn.acme.test/favicon.ico"
    assert logo not in login_page(mgmt)
    with mgmt.api() as api:
        assert api.get("/branding").json() == {}
        patched = api.patch(
            "/branding",
            json={
                "logo_url": logo,
                "favicon_url": favicon,
                "colors": {"primary": "#ff0055", "page_background": "#101820"},
                "font": {"url": "https://cdn.acme.test/font.woff2"},
            },
        )
        assert patched.status_code == 200, patched.text
        api.patch("/branding", json={"colors": {"primary": "#00aa00"}})
        branding = api.get("/branding").json()
    assert branding["colors"] == {"primary": "#00aa00", "page_background": "#101820"}
    assert GetBrandingResponseContent.model_validate(branding).logo_url == logo
    page = login_page(mgmt)
    assert f'src="{logo}"' in page and f'href="{favicon}"' in page
    assert "--primary: #00aa00" in page and "#101820" in page and "font.woff2" in page
    with mgmt.api() as api:
        assert api.delete("/branding").status_code == 204
        assert api.get("/branding").json() == {}
    page = login_page(mgmt)
    assert logo not in page and "#00aa00" not in page


@pytest.mark.parametrize(
    "body",
    [
        {"colors": {"primary": "red; } body { display: none"}},
        {"logo_url": 'https://x.test/a.png") ; x'},
        {"logo_url": "ftp://x.test/a.png"},
        {"unknown": True},
    ],
)
def test_bad_branding_is_400(mgmt: Management, body: dict) -> None:
    with mgmt.api() as api:
        response = api.patch("/branding", json=body)
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_body", response.text


def test_email_templates(mgmt: Management) -> None:
    with mgmt.api() as api:
        missing = api.get("/email-templates/welcome_email")
        assert missing.status_code == 404 and set(missing.json()) == {
            "statusCode",
            "error",
            "message",
            "errorCode",
        }
        created = api.post(
            "/email-templates",
            json={
                "template": "welcome_email",
                "body": "<p>Hi {{ user.email }}</p>",
                "from": "hello@acme.test",
                "subject": "Welcome",
                "resultUrl": "https://acme.test/welcome",
                "urlLifetimeInSeconds": 3600,
            },
        )
        assert created.status_code == 201, created.text
        assert created.json() == {
            "template": "welcome_email",
            "body": "<p>Hi {{ user.email }}</p>",
            "from": "hello@acme.test",
            "subject": "Welcome",
            "syntax": "liquid",
            "resultUrl": "https://acme.test/welcome",
            "urlLifetimeInSeconds": 3600,
            "includeEmailInRedirect": True,
            "enabled": True,
        }
        again = api.post("/email-templates", json={"template": "welcome_email", "body": "x"})
        assert again.status_code == 409
        assert GetEmailTemplateResponseContent.model_validate(created.json()).from_ == "hello@acme.test"
        patched = api.patch("/email-templates/welcome_email", json={"subject": "Hello", "enabled": False})
        assert patched.json()["subject"] == "Hello" and patched.json()["enabled"] is False
        assert patched.json()["from"] == "hello@acme.test"
        replaced = api.put("/email-templates/welcome_email", json={"template": "welcome_email", "body": "B"})
        assert (
            replaced.status_code == 200
            and replaced.json()["subject"] == ""
            and "resultUrl" not in replaced.json()
        )
        assert api.get("/email-templates/welcome_email").json()["body"] == "B"
        assert api.patch("/email-templates/reset_email", json={"subject": "x"}).status_code == 404
        assert api.put("/email-templates/reset_email", json={"template": "reset_email"}).status_code == 404
        mismatch = api.patch("/email-templates/welcome_email", json={"template": "reset_email"})
        assert mismatch.status_code == 400
        assert api.get("/email-templates/no_such_template").status_code == 400
        assert api.post("/email-templates", json={"template": "reset_email", "colour": 1}).status_code == 400
    with mgmt.api(scope="read:email_templates") as api:
        denied = api.patch("/email-templates/welcome_email", json={"subject": "x"})
        assert denied.status_code == 403 and denied.json()["errorCode"] == "insufficient_scope"


def test_tenants_are_isolated(mgmt: Management, other: Management) -> None:
    with mgmt.api() as api:
        api.patch("/tenants/settings", json={"support_url": "https://default.test/help"})
        api.patch("/branding", json={"logo_url": "https://default.test/logo.png"})
        api.post("/email-templates", json={"template": "blocked_account", "body": "default's"})
    with other.api() as api:
        settings = api.get("/tenants/settings").json()
        assert settings["friendly_name"] == "other" and settings["support_url"] == ""
        assert api.get("/branding").json() == {}
        assert api.get("/email-templates/blocked_account").status_code == 404
        api.patch("/tenants/settings", json={"support_url": "https://other.test/help"})
        api.delete("/branding")
        assert (
            api.post("/email-templates", json={"template": "blocked_account", "body": "other's"}).status_code
            == 201
        )
    with mgmt.api() as api:
        assert api.get("/tenants/settings").json()["support_url"] == "https://default.test/help"
        assert api.get("/branding").json() == {"logo_url": "https://default.test/logo.png"}
        assert api.get("/email-templates/blocked_account").json()["body"] == "default's"
    foreign = {"Authorization": f"Bearer {other.token()}"}
    with mgmt.server.client() as http:
        for method, path in (
            ("GET", "/api/v2/tenants/settings"),
            ("PATCH", "/api/v2/branding"),
            ("GET", "/api/v2/email-templates/blocked_account"),
        ):
            response = http.request(method, path, headers=foreign, json={})
            assert response.status_code == 401, (method, path, response.text)
