"""Twelve languages on every hosted page and in the emails: each file has every key with the same
placeholders; each page speaks the language asked for (`ui_locales`, then `Accept-Language`) in its
own words, Arabic right to left; a tenant's `enabled_locales` limits the choice, its first the
default."""

from __future__ import annotations

import json
import re
import time
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from edgeauth.locales import choose_locale
from tests.browser import Browser, form_state, pkce_pair
from tests.conftest import Server
from tests.mail_support import last_email
from tests.test_login_flow import authorize_query
from tests.test_mfa import hidden, rfc6238

LOCALES = Path(__file__).resolve().parents[1] / "templates" / "locales"
LANGUAGES = ("en", "fr", "de", "es", "it", "pt-BR", "nl", "pl", "ja", "ko", "zh-CN", "ar")
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def words(language: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{language}.json").read_text(encoding="utf-8"))


ENGLISH = words("en")


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    assert sorted(path.stem for path in LOCALES.glob("*.json")) == sorted(LANGUAGES)
    for language in LANGUAGES:
        text = words(language)
        assert list(text) == list(ENGLISH), language
        for key, english in ENGLISH.items():
            placeholders = sorted(PLACEHOLDER.findall(english))
            assert sorted(PLACEHOLDER.findall(text[key])) == placeholders, (language, key)
            assert bool(text[key]) == bool(english), (language, key)
        if language != "en":  # written for the language, not copied (loanwords such as "Password" aside)
            copied = [key for key, english in ENGLISH.items() if english and text[key] == english]
            assert len(copied) <= 4, (language, copied)


@pytest.fixture(scope="module")
def spa(server: Server) -> dict[str, Any]:
    """An app with a password database and email codes (the login page offers both)."""
    app = server.cli(
        "apps", "create", "--name", "Polyglot", "--type", "spa", "--callbacks", "https://app.example/callback"
    )
    server.cli(
        "connections", "create", "--name", "email", "--strategy", "email", "--enable-app", app["client_id"]
    )
    return app


def text_of(response: httpx.Response) -> str:
    return unescape(response.text)


def speaks(response: httpx.Response, language: str, *keys: str, **values: str) -> None:
    """The page is in `language`: its `lang`/`dir` and the words of `keys` from that language's file."""
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in response.text, response.text[:200]
    for key in keys:
        assert words(language)[key].format(**values) in text_of(response), (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_in_every_language(server: Server, spa: dict[str, Any], language: str) -> None:
    browser = Browser(server)
    login = browser.authorize(authorize_query(spa, pkce_pair()[1], ui_locales=language))
    speaks(login, language, "login.heading", "login.forgot_password", "login.signup_prompt")
    state = quote(form_state(login))
    signup = browser.request("GET", f"/u/signup?state={state}")
    speaks(signup, language, "signup.heading", "signup.login_prompt")
    forgot = browser.request("GET", f"/u/reset-password/request?state={state}")
    speaks(forgot, language, "reset_request.heading", "reset_request.description")
    data = {"state": form_state(login), "email": f"polyglot.{language.lower()}@example.com"}
    sent = browser.request("POST", "/u/reset-password/request", data=data)
    speaks(sent, language, "reset_request.sent.heading", "reset_request.sent.message")
    wrong = browser.request("POST", "/u/login", data={**data, "password": "not the password"})
    speaks(wrong, language, "error.wrong_credentials")
    reset = browser.request("GET", f"/lo/reset?ticket=nope&ui_locales={language}")
    speaks(reset, language, "reset.heading", "reset.description")
    form = {"ticket": "nope", "ui_locales": language, "password": "long enough 1", "confirm": "long enough 2"}
    differ = browser.request("POST", "/lo/reset", data=form)
    speaks(differ, language, "error.passwords_differ")
    failed = browser.request("POST", "/lo/reset", data={**form, "confirm": form["password"]})
    speaks(failed, language, "reset.failed.heading", "reset.failed.message")
    spent = browser.request("GET", f"/u/email-verification?ticket=nope&ui_locales={language}")
    speaks(spent, language, "verification.failed.heading", "verification.failed.message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_signup_verification_and_code_pages_and_emails_in_every_language(
    server: Server, spa: dict[str, Any], language: str
) -> None:
    email = f"new.{language.lower()}@example.com"
    subject = {"application": "Polyglot"}
    browser = Browser(server)
    login = browser.authorize(authorize_query(spa, pkce_pair()[1], ui_locales=language))
    form = {"state": form_state(login), "email": email}
    signed_up = browser.request("POST", "/u/signup", data={**form, "password": "a good password"})
    assert signed_up.status_code in (302, 303), signed_up.text
    verify = last_email(server, email)
    assert verify["subject"] == words(language)["email.verify_email.subject"].format(**subject)
    link = re.search(r"https?://[^/\s]+(/u/email-verification\S+)", verify["text"])
    assert link and f"ui_locales={quote(language)}" in link[1]
    done = Browser(server).request("GET", link[1])  # another browser: the link names the language
    speaks(done, language, "verification.done.heading", "verification.done.message")
    welcome = last_email(server, email, count=2)
    assert welcome["subject"] == words(language)["email.welcome_email.subject"].format(application="default")

    browser = Browser(server)
    login = browser.authorize(authorize_query(spa, pkce_pair()[1], ui_locales=language))
    code_page = browser.request("POST", "/u/passwordless", data={"state": form_state(login), "email": email})
    speaks(code_page, language, "passwordless.heading", "passwordless.description", email=email)
    code = last_email(server, email, count=3)
    assert code["subject"] == words(language)["email.passwordless_code.subject"].format(**subject)
    form = {"state": form_state(code_page), "email": email, "code": "000000"}
    wrong = browser.request("POST", "/u/passwordless/verify", data=form)
    speaks(wrong, language, "error.wrong_code")


def tenant_app(server: Server, tenant: str, name: str, *settings: str) -> dict[str, Any]:
    """A new tenant with `settings` (`tenants update` flags) and a SPA of it called `name`."""
    server.cli("tenants", "create", tenant)
    server.cli("tenants", "update", "--tenant", tenant, *settings)
    return server.cli(
        "apps", "create", "--name", name, "--type", "spa", "--callbacks", "https://app.example/callback",
        "--tenant", tenant,
    )  # fmt: skip


@pytest.fixture(scope="module")
def two_steps(server: Server) -> dict[str, Any]:
    """An app of a tenant whose login is identifier-first."""
    return tenant_app(server, "steps", "Stepwise", "--identifier-first", "on")


@pytest.mark.parametrize("language", LANGUAGES)
def test_identifier_first_steps_in_every_language(
    server: Server, two_steps: dict[str, Any], language: str
) -> None:
    browser = Browser(server, "steps")
    first = browser.authorize(authorize_query(two_steps, pkce_pair()[1], ui_locales=language))
    speaks(first, language, "login.heading", "login.signup_prompt")
    data = {"state": form_state(first), "email": "someone@example.com"}
    second = browser.request("POST", "/u/login/identifier", data=data)
    speaks(second, language, "login_password.heading", "login.edit_email", "login.forgot_password")
    speaks(second, language, "login_password.description", tenant="steps", client="Stepwise")


@pytest.mark.parametrize("language", ["ja", "ar"])
def test_emails_speak_the_login_language(server: Server, spa: dict[str, Any], language: str) -> None:
    email = f"mail.{language}@example.com"
    server.cli("users", "create", "--email", email, "--password", "a good password")
    browser = Browser(server)
    login = browser.authorize(authorize_query(spa, pkce_pair()[1], ui_locales=language))
    browser.request("POST", "/u/reset-password/request", data={"state": form_state(login), "email": email})
    message = last_email(server, email)
    assert message["subject"] == words(language)["email.reset_email.subject"].format(application="Polyglot")
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in message["html"]


def test_a_tenant_offers_its_enabled_locales_the_first_by_default(server: Server) -> None:
    server.cli("tenants", "create", "limited")
    server.cli("tenants", "update", "--tenant", "limited", "--enabled-locales", "de,fr")
    app = server.cli(
        "apps", "create", "--name", "Limited", "--type", "spa", "--callbacks", "https://app.example/callback",
        "--tenant", "limited",
    )  # fmt: skip
    asked = {"ja": "de", "fr": "fr", "en": "de", "fr-CA": "fr"}  # ui_locales → the page's language
    for ui_locales, expected in asked.items():
        query = authorize_query(app, pkce_pair()[1], ui_locales=ui_locales)
        page = Browser(server, "limited").authorize(query)
        speaks(page, expected, "login.heading")
    by_header = Browser(server, "limited")
    by_header.http.headers["accept-language"] = "ja, fr;q=0.8, de;q=0.5"
    speaks(by_header.authorize(authorize_query(app, pkce_pair()[1])), "fr", "login.heading")


def test_weights_and_regional_tags() -> None:
    """`q` in any case and position (RFC 9110 §12.4.2); a tenant's regional tag names the language."""
    assert choose_locale("", "fr;level=1;q=0, de") == "de"
    assert choose_locale("", "fr; Q=0, de;q=0.5") == "de"
    assert choose_locale("", "pt, ja;q=0.9") == "pt-BR"
    assert choose_locale("", "", ["fr-CA"]) == "fr"
    assert choose_locale("ja", "de", ["fr-CA", "en"]) == "fr"


@pytest.fixture(scope="module")
def second_factor(server: Server) -> dict[str, Any]:
    """An app of a tenant that requires MFA."""
    return tenant_app(server, "twofactor", "Twofold", "--mfa", "otp,recovery-code")


@pytest.mark.parametrize("language", LANGUAGES)
def test_second_factor_pages_in_every_language(
    server: Server, second_factor: dict[str, Any], language: str
) -> None:
    """Enrolment, a wrong code, the challenge of the next login, the recovery code (a wrong one,
    then the right one) and the new recovery code."""
    email = f"twofold.{language.lower()}@example.com"
    server.cli("users", "create", "--email", email, "--password", "a good password", "--tenant", "twofactor")
    query = authorize_query(second_factor, pkce_pair()[1], ui_locales=language)
    browser = Browser(server, tenant="twofactor")
    enrol = browser.login(query, email, "a good password")
    speaks(
        enrol,
        language,
        "mfa.enroll_title",
        "mfa.enroll_description",
        "mfa.secret",
        "mfa.recovery",
        "mfa.code",
    )
    secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', enrol.text)[1]  # type: ignore[index]
    form = {"state": form_state(enrol), "mfa_token": hidden(enrol, "mfa_token")}
    wrong = browser.request("POST", "/u/mfa", data={**form, "code": "12345"})
    speaks(wrong, language, "error.wrong_otp")
    assert (
        browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret, time.time())}).status_code
        == 302
    )
    other = Browser(server, tenant="twofactor")
    challenge = other.login(query, email, "a good password")
    speaks(challenge, language, "mfa.title", "mfa.description", "mfa.submit", "mfa.use_recovery")
    recovery = {
        "state": form_state(challenge),
        "mfa_token": hidden(challenge, "mfa_token"),
        "factor": "recovery-code",
    }
    asked = other.request("POST", "/u/mfa", data=recovery)
    speaks(asked, language, "mfa.recovery_title", "mfa.recovery_description", "mfa.recovery_label")
    speaks(
        other.request("POST", "/u/mfa", data={**recovery, "recovery": "X"}),
        language,
        "error.wrong_recovery_code",
    )
    code = re.search(r'<code id="recovery-code">([A-Z0-9]{24})</code>', enrol.text)[1]  # type: ignore[index]
    renewed = other.request("POST", "/u/mfa", data={**recovery, "recovery": code})
    speaks(renewed, language, "mfa.new_recovery_title", "mfa.new_recovery_message", "mfa.continue")
