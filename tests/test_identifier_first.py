"""Identifier-first login (Auth0's `identifier_first` prompts setting), in both runtimes: the email
first, then the password (or an email code), or straight to the enterprise connection whose
`domain_aliases` name the email's domain; a real Chromium with auth0-spa-js logs in through both
steps; the tenant's setting turns it on and off at once."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import Browser, form_state, pkce_pair, redirect_params
from tests.conftest import Server
from tests.e2e_support import Chromium, StaticSite
from tests.test_login_flow import authorize_query

TENANT = "idfirst"
PASSWORD = "first the email, then this"
CALLBACK = "https://app.example/callback"


@pytest.fixture(scope="module")
def setup(server: Server, site: StaticSite) -> dict[str, Any]:
    """A tenant with identifier-first on; an app with a password database, email codes and an
    enterprise connection for `corp.example` (its endpoints on loopback, never contacted)."""
    server.cli("tenants", "create", TENANT)
    server.cli("tenants", "update", "--tenant", TENANT, "--identifier-first", "on", "--dev-mode", "on")
    page = f"{site.origin}/idfirst/"
    app = server.cli(
        "apps", "create", "--name", "Two Steps", "--type", "spa", "--callbacks", f"{CALLBACK},{page}",
        "--web-origins", site.origin, "--tenant", TENANT,
    )  # fmt: skip
    origin = server.host_origin(TENANT)
    site.page("idfirst", {"client": {"domain": origin, "clientId": app["client_id"]}})
    server.cli(
        "connections", "create", "--name", "email", "--strategy", "email",
        "--enable-app", app["client_id"], "--tenant", TENANT,
    )  # fmt: skip
    idp = f"http://127.0.0.1:{server.port}/corp-idp"
    server.cli(
        "connections", "create", "--name", "corp", "--strategy", "oidc", "--enable-app", app["client_id"],
        "--option", f"issuer={idp}/", "--option", f"authorization_endpoint={idp}/authorize",
        "--option", f"token_endpoint={idp}/token", "--option", f"jwks_uri={idp}/jwks",
        "--option", "client_id=corp-client", "--option", "client_secret=corp-secret",
        "--option", "domain_aliases=corp.example,corp-mail.example", "--tenant", TENANT,
    )  # fmt: skip
    server.cli(  # a social connection's aliases never route (Auth0: enterprise connections only)
        "connections", "create", "--name", "github", "--strategy", "github", "--enable-app", app["client_id"],
        "--option", "client_id=gh", "--option", "client_secret=gh-secret",
        "--option", "domain_aliases=social.example", "--tenant", TENANT,
    )  # fmt: skip
    server.cli(  # nor an enterprise connection the app does not use
        "connections", "create", "--name", "elsewhere", "--strategy", "oidc",
        "--option", f"issuer={idp}/", "--option", f"authorization_endpoint={idp}/authorize",
        "--option", f"token_endpoint={idp}/token", "--option", f"jwks_uri={idp}/jwks",
        "--option", "client_id=elsewhere", "--option", "client_secret=elsewhere-secret",
        "--option", "domain_aliases=other.example", "--tenant", TENANT,
    )  # fmt: skip
    server.cli("users", "create", "--email", "ada@example.com", "--password", PASSWORD, "--tenant", TENANT)
    return {"app": app, "page": page, "idp": idp}


def email_step(server: Server, app: dict[str, Any]) -> tuple[Browser, str]:
    browser = Browser(server, TENANT)
    page = browser.authorize(authorize_query(app, pkce_pair()[1], state="s1"))
    assert page.status_code == 200
    assert 'action="/u/login/identifier"' in page.text and 'type="password"' not in page.text
    return browser, form_state(page)


def test_the_email_then_the_password(server: Server, setup: dict[str, Any]) -> None:
    browser, state = email_step(server, setup["app"])
    invalid = browser.request("POST", "/u/login/identifier", data={"state": state, "email": "not an email"})
    assert invalid.status_code == 400 and 'action="/u/login/identifier"' in invalid.text
    assert 'aria-invalid="true"' in invalid.text

    step = browser.request("POST", "/u/login/identifier", data={"state": state, "email": "ada@example.com"})
    assert step.status_code == 200 and 'action="/u/login"' in step.text
    assert 'value="ada@example.com"' in step.text and "readonly" in step.text
    assert 'id="edit-email"' in step.text and 'action="/u/passwordless"' in step.text  # or a code
    assert step.text.count("email=ada%40example.com") == 2  # the forgot and edit links keep the email
    edit = browser.request("GET", "/u/login", params={"state": state, "email": "ada@example.com"})
    assert 'action="/u/login/identifier"' in edit.text and 'value="ada@example.com"' in edit.text

    form = {"state": state, "email": "ada@example.com"}
    wrong = browser.request("POST", "/u/login", data={**form, "password": "not it"})
    assert wrong.status_code == 400 and 'action="/u/login"' in wrong.text and "readonly" in wrong.text
    focused = r'id="password"[^>]*aria-describedby="error" aria-invalid="true" autofocus'
    assert re.search(focused, wrong.text), wrong.text  # the error is the password's, focused there

    done = browser.request("POST", "/u/login", data={**form, "password": PASSWORD})
    assert redirect_params(done)["state"] == "s1" and "code" in redirect_params(done)


def test_an_enterprise_domain_goes_straight_to_its_connection(server: Server, setup: dict[str, Any]) -> None:
    browser, state = email_step(server, setup["app"])
    sent = browser.request(
        "POST", "/u/login/identifier", data={"state": state, "email": "grace@Corp-Mail.example"}
    )
    assert sent.status_code == 302, sent.text
    location = urlsplit(sent.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{setup['idp']}/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == ["corp-client"] and query["login_hint"] == ["grace@corp-mail.example"]
    # A domain that only ends like an alias is not one; a social connection's or one the app does not
    # use never routes.
    for email in ("eve@notcorp.example", "sam@social.example", "kim@other.example"):
        browser, state = email_step(server, setup["app"])
        other = browser.request("POST", "/u/login/identifier", data={"state": state, "email": email})
        assert other.status_code == 200 and 'type="password"' in other.text, email


def test_the_step_needs_the_browser_that_started_the_login(server: Server, setup: dict[str, Any]) -> None:
    _, state = email_step(server, setup["app"])
    forged = Browser(server, TENANT).request(  # no transaction cookie: CSRF
        "POST", "/u/login/identifier", data={"state": state, "email": "ada@example.com"}
    )
    assert forged.status_code == 400 and 'type="password"' not in forged.text


def test_spa_js_logs_in_through_both_steps(server: Server, browser: Chromium, setup: dict[str, Any]) -> None:
    origin = server.host_origin(TENANT)
    browser.new_session()
    browser.goto(setup["page"])
    browser.click("#login")
    browser.wait_for_url(f"{origin}/u/login")
    assert browser.focused() == "email"
    browser.fill("#email", "ada@example.com")
    browser.press("#email", "Enter")
    browser.wait_for_url(f"{origin}/u/login/identifier")
    assert browser.focused() == "password"
    browser.fill("#password", PASSWORD)
    browser.press("#password", "Enter")
    browser.wait_for_url(setup["page"])
    assert browser.wait_for_text("#status", "ready") == "ready"
    user = browser.evaluate("async () => { await window.ready; return await client.getUser(); }")
    assert user["email"] == "ada@example.com"


def test_turned_off_the_login_page_is_one_form_again(server: Server, setup: dict[str, Any]) -> None:
    server.cli("tenants", "update", "--tenant", TENANT, "--identifier-first", "off")
    try:
        page = Browser(server, TENANT).authorize(authorize_query(setup["app"], pkce_pair()[1]))
        assert 'action="/u/login"' in page.text and 'type="password"' in page.text
    finally:
        server.cli("tenants", "update", "--tenant", TENANT, "--identifier-first", "on")
