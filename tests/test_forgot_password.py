"""The hosted login page's "Forgot password?" (Auth0 Universal Login's reset-password prompt): from
the login page to the email, the new password and back into the application, in a real Chromium
with auth0-spa-js, in two languages; the same answer for any address; limits per email and IP."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest

from tests.browser import Browser, form_state, pkce_pair
from tests.conftest import Server
from tests.e2e_support import Chromium, StaticSite
from tests.mail_support import email_link, emails_to, last_email
from tests.test_login_flow import authorize_query

OLD, NEW = "the password I forgot", "the password I chose"
APP_NAME = "Forgetful SPA"
DATABASE = "Username-Password-Authentication"
# The words each language's pages and email use (templates/locales/*.json).
WORDS = {
    "en": {
        "forgot": "Forgot password?",
        "sent": "Check your email",
        "subject": f"Reset your password for {APP_NAME}",
        "back": f"Back to {APP_NAME}",
    },
    "fr": {
        "forgot": "Mot de passe oublié ?",
        "sent": "Consultez vos e-mails",
        "subject": f"Réinitialisez votre mot de passe pour {APP_NAME}",
        "back": f"Retour à {APP_NAME}",
    },
}


@pytest.fixture(scope="module")
def pages(server: Server, site: StaticSite) -> dict[str, Any]:
    urls = {language: f"{site.origin}/{language}/" for language in WORDS}
    app = server.cli(
        "apps",
        "create",
        "--name",
        APP_NAME,
        "--type",
        "spa",
        "--callbacks",
        ",".join(urls.values()),
        "--web-origins",
        site.origin,
    )
    for language in WORDS:
        client = {
            "domain": server.origin,
            "clientId": app["client_id"],
            "authorizationParams": {"ui_locales": language},
        }
        site.page(language, {"client": client})
    return {"app": app, "urls": urls}


@pytest.mark.parametrize("language", list(WORDS))
def test_forgot_password_from_the_login_page_back_into_the_app(
    server: Server, browser: Chromium, pages: dict[str, Any], language: str
) -> None:
    email, words, page = f"forgetful.{language}@example.com", WORDS[language], pages["urls"][language]
    server.cli("users", "create", "--email", email, "--password", OLD)
    browser.new_session()
    browser.goto(page)
    browser.click("#login")
    browser.wait_for_url(f"{server.origin}/u/login")
    browser.type("#email", email)
    assert browser.text(".forgot a") == words["forgot"]
    browser.click(".forgot a")
    browser.wait_for_url(f"{server.origin}/u/reset-password/request")
    browser.fill("#email", email)
    browser.press("#email", "Enter")
    assert browser.wait_for_text("h1", words["sent"]) == words["sent"]

    message = last_email(server, email)
    assert message["subject"] == words["subject"]
    browser.goto(server.origin + email_link(server, email))  # the link, opened in the same browser
    browser.fill("#password", NEW)
    browser.fill("#confirm", NEW)
    browser.press("#confirm", "Enter")
    assert browser.wait_for_text("#continue", words["back"]) == words["back"]
    browser.click("#continue")  # back to the login that asked: it resumes with the new password
    browser.wait_for_url(f"{server.origin}/u/login")
    browser.fill("#email", email)
    browser.fill("#password", NEW)
    browser.press("#password", "Enter")
    browser.wait_for_url(page)
    assert browser.wait_for_text("#status", "ready") == "ready"
    user = browser.evaluate("async () => { await window.ready; return await client.getUser(); }")
    assert user["email"] == email and user["email_verified"] is True  # the emailed link proved it


def reset_request(browser: Browser, spa: dict[str, Any], email: str) -> Any:
    page = browser.authorize(authorize_query(spa, pkce_pair()[1]))
    data = {"state": form_state(page), "email": email}
    return browser.request("POST", "/u/reset-password/request", data=data)


@pytest.fixture(scope="module")
def spa(server: Server) -> dict[str, Any]:
    callback = "https://app.example/callback"
    return server.cli("apps", "create", "--name", "Web App", "--type", "spa", "--callbacks", callback)


def test_the_answer_is_the_same_for_any_address(server: Server, spa: dict[str, Any]) -> None:
    server.cli("users", "create", "--email", "known@example.com", "--password", OLD)
    known = reset_request(Browser(server), spa, "known@example.com")
    unknown = reset_request(Browser(server), spa, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    heading = lambda response: unescape(response.text.split("<h1>")[1].split("</h1>")[0])  # noqa: E731
    assert heading(known) == heading(unknown) == "Check your email"
    assert emails_to(server, "known@example.com")
    assert server.cli("outbox", "--to", "nobody@example.com") == []

    invalid = reset_request(Browser(server), spa, "not an address")
    assert invalid.status_code == 400 and 'aria-describedby="error"' in invalid.text


def test_the_form_needs_the_browser_that_started_the_login(server: Server, spa: dict[str, Any]) -> None:
    page = Browser(server).authorize(authorize_query(spa, pkce_pair()[1]))
    forged = Browser(server).request(  # another browser: no transaction cookie (CSRF)
        "POST", "/u/reset-password/request", data={"state": form_state(page), "email": "known@example.com"}
    )
    assert forged.status_code == 400
    assert Browser(server).request("GET", "/u/reset-password/request?state=nope").status_code == 400


def test_requests_are_limited_per_email(server: Server, spa: dict[str, Any]) -> None:
    email = "limited@example.com"
    server.cli("users", "create", "--email", email, "--password", OLD)
    statuses = [reset_request(Browser(server), spa, email).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert len(emails_to(server, email, 5)) == 5
    # The SDK's endpoint counts in the same bucket (auth0.js changePassword).
    refused = Browser(server).request(
        "POST",
        "/dbconnections/change_password",
        json={"client_id": spa["client_id"], "email": email, "connection": DATABASE},
    )
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
    assert len(server.cli("outbox", "--to", email)) == 5


def test_requests_are_limited_per_ip(server: Server, spa: dict[str, Any]) -> None:
    """Last in this module: it spends the loopback address's budget."""
    browser = Browser(server)
    statuses = [reset_request(browser, spa, f"someone{index}@example.com").status_code for index in range(60)]
    assert 429 in statuses
    assert statuses.index(429) <= 50 and set(statuses[statuses.index(429) :]) == {429}
