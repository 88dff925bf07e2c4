"""Custom text of the hosted pages through Auth0's prompts API: stored and read back as sent, shown
on the page and in the emails in its language (Auth0's variables filled in, markup escaped), other
languages and tenants untouched; `{}` removes it."""

from __future__ import annotations

from html import unescape

import pytest

from tests.browser import Browser, code_query, form_state, pkce_pair
from tests.mail_support import last_email
from tests.management.conftest import Management

CALLBACK = "https://prompts.example/callback"
LOGIN_TEXT = {
    "login": {
        "title": "Bon retour <b>chez nous</b>",
        "description": "Connectez-vous à ${companyName} pour ${clientName} {oops} ${unknown}",
        "buttonText": "Entrer",
        "forgotPasswordText": "Mot de passe perdu ?",
    }
}


def page(mgmt: Management, app: dict, language: str) -> str:
    query = code_query(app["client_id"], CALLBACK, pkce_pair()[1], ui_locales=language)
    response = Browser(mgmt.server).authorize(query)
    assert response.status_code == 200, response.text
    return response.text


def test_custom_text_shows_on_the_page_in_its_language(mgmt: Management) -> None:
    app = mgmt.server.cli("apps", "create", "--name", "Prompted", "--type", "spa", "--callbacks", CALLBACK)
    with mgmt.api() as api:
        assert api.get("/prompts/login/custom-text/fr").json() == {}
        stored = api.put("/prompts/login/custom-text/fr", json=LOGIN_TEXT)
        assert stored.status_code == 200 and stored.json() == LOGIN_TEXT
        assert api.get("/prompts/login/custom-text/fr").json() == LOGIN_TEXT
    french = page(mgmt, app, "fr")
    assert "Bon retour &lt;b&gt;chez nous&lt;/b&gt;" in french  # escaped like any text
    assert "Connectez-vous à default pour Prompted oops " in unescape(french)
    assert ">Entrer</button>" in french and "Mot de passe perdu ?" in french
    english = page(mgmt, app, "en")
    assert "Bon retour" not in english and "Forgot password?" in english

    with mgmt.api() as api:  # a PUT replaces the whole text; {} removes it
        api.put("/prompts/login/custom-text/fr", json={"login": {"buttonText": "Go"}})
        assert api.get("/prompts/login/custom-text/fr").json() == {"login": {"buttonText": "Go"}}
        assert api.put("/prompts/login/custom-text/fr", json={}).json() == {}
        assert api.get("/prompts/login/custom-text/fr").json() == {}
    assert "Bon retour" not in page(mgmt, app, "fr") and ">Go</button>" not in page(mgmt, app, "fr")


def test_custom_text_shows_in_the_email_in_its_language(mgmt: Management) -> None:
    """edgeauth's email screens (docs/management-api.md): the reset email's words, in French only."""
    app = mgmt.server.cli("apps", "create", "--name", "Mailed", "--type", "spa", "--callbacks", CALLBACK)
    text = {
        "reset-password-email-message": {
            "subject": "Un nouveau mot de passe pour ${clientName}",
            "title": "Mot de passe <i>perdu</i>",
            "buttonText": "Choisir",
        }
    }
    with mgmt.api() as api:
        assert api.put("/prompts/reset-password/custom-text/fr", json=text).json() == text
    for language in ("fr", "en"):
        email = f"mailed.{language}@example.com"
        mgmt.server.cli("users", "create", "--email", email, "--password", "a password of old")
        browser = Browser(mgmt.server)
        login = browser.authorize(code_query(app["client_id"], CALLBACK, pkce_pair()[1], ui_locales=language))
        browser.request(
            "POST", "/u/reset-password/request", data={"state": form_state(login), "email": email}
        )
        message = last_email(mgmt.server, email)
        if language == "fr":
            assert message["subject"] == "Un nouveau mot de passe pour Mailed"
            assert "Mot de passe &lt;i&gt;perdu&lt;/i&gt;" in message["html"]  # escaped like any text
            assert ">Choisir</a>" in message["html"]
        else:
            assert message["subject"] == "Reset your password for Mailed"
            assert "perdu" not in message["html"] and ">Reset my password</a>" in message["html"]


def test_another_tenant_keeps_its_own_words(mgmt: Management, other: Management) -> None:
    with mgmt.api() as api:
        api.put("/prompts/signup/custom-text/de", json={"signup": {"title": "Nur hier"}})
    with other.api() as api:
        assert api.get("/prompts/signup/custom-text/de").json() == {}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/prompts/no-such-prompt/custom-text/en", {}),
        ("/prompts/login/custom-text/EN_us", {}),
        ("/prompts/login/custom-text/en", {"login": "not an object"}),
        ("/prompts/login/custom-text/en", {"login": {"title": 42}}),
        ("/prompts/login/custom-text/en", {"login": {"title": "x" * 5000}}),
    ],
)
def test_bad_custom_text_is_400(mgmt: Management, path: str, body: dict) -> None:
    with mgmt.api() as api:
        response = api.put(path, json=body)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"statusCode", "error", "message", "errorCode"}


def test_identifier_first_is_a_prompts_setting(mgmt: Management) -> None:
    app = mgmt.server.cli("apps", "create", "--name", "Settings", "--type", "spa", "--callbacks", CALLBACK)
    default = {
        "universal_login_experience": "new",
        "identifier_first": False,
        "webauthn_platform_first_factor": False,
    }
    with mgmt.api() as api:
        assert api.get("/prompts").json() == default
        assert api.patch("/prompts", json={"identifier_first": True}).json() == {
            **default,
            "identifier_first": True,
        }
        assert api.get("/prompts").json()["identifier_first"] is True
    assert 'action="/u/login/identifier"' in page(mgmt, app, "en")
    with mgmt.api() as api:
        assert (
            api.patch(
                "/prompts", json={"identifier_first": False, "universal_login_experience": "new"}
            ).json()
            == default
        )
    assert 'action="/u/login/identifier"' not in page(mgmt, app, "en")
    with mgmt.api() as api:  # passkeys as a first factor: the login page offers one
        turned_on = api.patch("/prompts", json={"webauthn_platform_first_factor": True}).json()
        assert turned_on == {**default, "webauthn_platform_first_factor": True}
    assert 'id="passkey-form"' in page(mgmt, app, "en")
    with mgmt.api() as api:
        assert api.patch("/prompts", json={"webauthn_platform_first_factor": False}).json() == default
    assert 'id="passkey-form"' not in page(mgmt, app, "en")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"identifier_first": "yes"}, 400),
        ({"universal_login_experience": "modern"}, 400),
        ({"no_such_setting": True}, 400),
        ({"universal_login_experience": "classic"}, 403),
        ({"webauthn_platform_first_factor": "yes"}, 400),
        ({"identifier_first": True, "universal_login_experience": "classic"}, 403),  # all or nothing
        ({"identifier_first": True, "no_such_setting": 1}, 400),
    ],
)
def test_prompts_settings_edgeauth_cannot_honour_are_refused(
    mgmt: Management, body: dict, status: int
) -> None:
    with mgmt.api() as api:
        response = api.patch("/prompts", json={**body})
        assert response.status_code == status, response.text
        assert set(response.json()) == {"statusCode", "error", "message", "errorCode"}
        assert api.get("/prompts").json()["identifier_first"] is False  # nothing changed


def test_each_login_screen_keeps_its_own_text(mgmt: Management) -> None:
    """login, login-id and login-password share words but not the tenant's text for them."""
    app = mgmt.server.cli("apps", "create", "--name", "Screens", "--type", "spa", "--callbacks", CALLBACK)
    texts = {
        "login": {"login": {"title": "Classic title"}},
        "login-id": {"login-id": {"title": "Email-first title"}},
        "login-password": {"login-password": {"buttonText": "Password button"}},
    }
    with mgmt.api() as api:
        for prompt, body in texts.items():
            api.put(f"/prompts/{prompt}/custom-text/en", json=body)
    try:
        classic = page(mgmt, app, "en")
        assert "Classic title" in classic and "Email-first title" not in classic
        assert "Password button" not in classic and ">Continue</button>" in classic
        with mgmt.api() as api:
            api.patch("/prompts", json={"identifier_first": True})
        first = page(mgmt, app, "en")
        assert "Email-first title" in first and "Classic title" not in first
    finally:
        with mgmt.api() as api:
            api.patch("/prompts", json={"identifier_first": False})
            for prompt in texts:
                api.put(f"/prompts/{prompt}/custom-text/en", json={})
