"""Every hosted page in every state passes axe-core (WCAG 2.2 A/AA and best practice) with zero
violations in a real Chromium, left-to-right and right-to-left, with the default look and with a
tenant's own branding (a light brand colour, which must not make text unreadable).

The HTML is the same in both runtimes (one set of templates), so this runs on the local runtime.
The pages are reached as a user reaches them: by navigating and submitting the forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.browser import pkce_pair
from tests.conftest import Server, server_process
from tests.e2e_support import Chromium
from tests.mail_support import email_code, last_email
from tests.test_mfa import hosted_enrolment

LANGUAGES = ("en", "ar")  # each direction
CALLBACK = "https://app.example/callback"
PASSWORD = "an accessible password"
BRANDS = {
    "plain": [],
    # A pale brand colour: white on it, or it on white, would fail contrast unless the page adapts.
    "branded": ["--primary-color", "#f5d90a", "--logo-url", "https://cdn.example/logo.png"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with server_process("local", tmp_path_factory.mktemp("a11y")) as process:
        yield Server(process, "local")


@pytest.fixture(scope="module")
def apps(server: Server) -> dict[str, dict[str, Any]]:
    """Per brand, a tenant whose login page shows every option: a password database, a social
    connection and email codes; with a user, and a blocked one."""
    made = {}
    for brand, options in BRANDS.items():
        server.cli("tenants", "create", brand)
        if options:
            server.cli("tenants", "update", "--tenant", brand, *options)
        app = server.cli(
            "apps", "create", "--name", "Accessible", "--type", "spa", "--callbacks", CALLBACK,
            "--tenant", brand,
        )  # fmt: skip
        for name, strategy in (("email", "email"), ("github", "github")):
            server.cli(
                "connections", "create", "--name", name, "--strategy", strategy,
                "--enable-app", app["client_id"], "--tenant", brand,
                *(["--option", "client_id=x", "--option", "client_secret=y"] if strategy == "github" else []),
            )  # fmt: skip
        for language in LANGUAGES:
            server.cli(
                "users",
                "create",
                "--email",
                f"{language}@{brand}.example",
                "--password",
                PASSWORD,
                "--tenant",
                brand,
            )
        blocked = server.cli(
            "users",
            "create",
            "--email",
            f"blocked@{brand}.example",
            "--password",
            PASSWORD,
            "--tenant",
            brand,
        )
        server.cli("users", "update", blocked["user_id"], "--blocked", "true", "--tenant", brand)
        made[brand] = app
    server.cli("tenants", "create", "twostep")  # identifier-first, its two steps
    server.cli("tenants", "update", "--tenant", "twostep", "--identifier-first", "on")
    made["twostep"] = server.cli(
        "apps",
        "create",
        "--name",
        "Two steps",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--tenant",
        "twostep",
    )
    server.cli(
        "connections", "create", "--name", "email", "--strategy", "email",
        "--enable-app", made["twostep"]["client_id"], "--tenant", "twostep",
    )  # fmt: skip
    return made


class Audit:
    """Runs axe-core on each page it is shown and keeps what it found, by page and state."""

    def __init__(self, browser: Chromium) -> None:
        self.browser = browser
        self.checked: list[str] = []
        self.violations: dict[str, list[dict[str, Any]]] = {}

    def check(self, name: str) -> None:
        result = self.browser.axe()
        assert result["checked"] > 10, result  # axe ran its rules
        self.checked.append(name)
        if result["violations"]:
            self.violations[name] = result["violations"]


def login_url(server: Server, brand: str, app: dict[str, Any], language: str) -> str:
    query = {
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
        "ui_locales": language,
    }
    return f"{server.host_origin(brand)}/authorize?{urlencode(query)}"


def submit(browser: Chromium, fields: dict[str, str], button: str = "main form button[type=submit]") -> None:
    for selector, value in fields.items():
        browser.fill(selector, value)
    browser.click(button)
    browser.evaluate("() => new Promise((done) => setTimeout(done, 0))")


DESCRIBED = "(id) => document.getElementById(id).getAttribute('aria-describedby')"


def assert_error_on(browser: Chromium, field: str, *hints: str) -> None:
    """The error names its field (aria-describedby, aria-invalid) and the focus is there."""
    assert browser.focused() == field
    assert browser.evaluate(DESCRIBED, field) == " ".join(("error", *hints))
    invalid = browser.evaluate("(id) => document.getElementById(id).getAttribute('aria-invalid')", field)
    assert invalid == "true"


def audit_pages(
    server: Server, browser: Chromium, audit: Audit, brand: str, app: dict, language: str
) -> None:
    tag = f"{brand}/{language}"
    origin = server.host_origin(brand)
    browser.new_session()
    login = login_url(server, brand, app, language)
    browser.goto(login)
    audit.check(f"{tag} login")
    submit(browser, {"#email": f"{language}@{brand}.example", "#password": "wrong"})
    browser.wait_for_text("#error", "")
    audit.check(f"{tag} login, wrong password")
    assert_error_on(browser, "email")
    submit(browser, {"#email": f"blocked@{brand}.example", "#password": PASSWORD})
    browser.wait_for_text("#error", "")
    audit.check(f"{tag} login, blocked account")

    browser.click(".alt a")  # sign up
    browser.wait_for_url(f"{origin}/u/signup")
    audit.check(f"{tag} signup")
    assert browser.focused() == "email"
    rules = browser.text("#password-rules")
    assert "8" in rules and browser.evaluate(DESCRIBED, "password") == "password-rules"
    submit(browser, {"#email": f"new@{brand}.example", "#password": "short"})
    browser.wait_for_text("#error", "")
    audit.check(f"{tag} signup, weak password")
    assert_error_on(browser, "password", "password-rules")
    submit(browser, {"#email": "not an email", "#password": PASSWORD})
    browser.wait_for_text("#error", "")
    audit.check(f"{tag} signup, invalid email")

    browser.goto(login)
    browser.click(".forgot a")
    browser.wait_for_url(f"{origin}/u/reset-password/request")
    audit.check(f"{tag} reset request")
    submit(browser, {"#email": ""})
    browser.wait_for_text("#error", "")
    audit.check(f"{tag} reset request, no email")
    submit(browser, {"#email": f"{language}@{brand}.example"})
    browser.wait_for_text("h1", "")
    audit.check(f"{tag} reset request, sent")

    text = last_email(server, f"{language}@{brand}.example", tenant=brand)["text"]
    link = re.search(r"https?://\S+/lo/reset\S+", text)[0]  # type: ignore[index]
    browser.goto(link)
    audit.check(f"{tag} reset form")
    submit(browser, {"#password": "a new password 1", "#confirm": "a new password 2"})
    browser.wait_for_text("#error", "")
    audit.check(f"{tag} reset form, passwords differ")
    assert_error_on(browser, "confirm")
    submit(browser, {"#password": "short", "#confirm": "short"})
    browser.wait_for_text("#error", "")
    audit.check(f"{tag} reset form, weak password")
    submit(browser, {"#password": PASSWORD, "#confirm": PASSWORD})
    browser.wait_for_text("h1", "")
    audit.check(f"{tag} reset done")
    browser.goto(link)
    submit(browser, {"#password": PASSWORD, "#confirm": PASSWORD})
    browser.wait_for_text("h1", "")
    audit.check(f"{tag} reset link spent")

    browser.goto(login)
    submit(browser, {"#passwordless-email": f"{language}@{brand}.example"}, "form.alt-method button")
    browser.wait_for_url(f"{origin}/u/passwordless")
    audit.check(f"{tag} email code")
    submit(browser, {"#code": "000000"})
    browser.wait_for_text("#error", "")
    audit.check(f"{tag} email code, wrong code")
    assert_error_on(browser, "code")

    browser.goto(f"{origin}/u/email-verification?ticket=spent&ui_locales={language}")
    audit.check(f"{tag} email verification, link spent")
    browser.goto(f"{origin}/authorize?client_id=nobody&ui_locales={language}")
    audit.check(f"{tag} error page")


@pytest.mark.parametrize("brand", list(BRANDS))
def test_every_page_and_state_passes_axe(
    server: Server, browser: Chromium, apps: dict[str, dict[str, Any]], brand: str
) -> None:
    audit = Audit(browser)
    for language in LANGUAGES:
        audit_pages(server, browser, audit, brand, apps[brand], language)
    print(f"axe-core checked {len(audit.checked)} page states:", *audit.checked, sep="\n  ")
    assert len(audit.checked) == len(LANGUAGES) * 18
    assert audit.violations == {}, "\n".join(
        f"{page}: {v['id']} ({v['impact']}) {v['help']}: {[n['target'] for n in v['nodes']]}"
        for page, found in audit.violations.items()
        for v in found
    )


def test_identifier_first_pages_pass_axe(
    server: Server, browser: Chromium, apps: dict[str, dict[str, Any]]
) -> None:
    audit = Audit(browser)
    origin = server.host_origin("twostep")
    for language in LANGUAGES:
        browser.new_session()
        browser.goto(login_url(server, "twostep", apps["twostep"], language))
        audit.check(f"{language} email step")
        submit(browser, {"#email": "not an email"})
        browser.wait_for_text("#error", "")
        audit.check(f"{language} email step, invalid email")
        assert_error_on(browser, "email")
        submit(browser, {"#email": f"{language}@twostep.example"})
        browser.wait_for_url(f"{origin}/u/login/identifier")
        audit.check(f"{language} password step")
        assert browser.focused() == "password"
        submit(browser, {"#password": "wrong"})
        browser.wait_for_text("#error", "")
        audit.check(f"{language} password step, wrong password")
        assert_error_on(browser, "password")
    print(f"axe-core checked {len(audit.checked)} page states:", *audit.checked, sep="\n  ")
    assert len(audit.checked) == len(LANGUAGES) * 4 and audit.violations == {}, audit.violations


def settings_tenant(server: Server, tenant: str, *settings: str) -> tuple[str, dict[str, Any]]:
    """A tenant with these `tenants update` settings (a brand, MFA, passkeys), and its SPA."""
    server.cli("tenants", "create", tenant)
    server.cli("tenants", "update", "--tenant", tenant, *settings)
    app = server.cli(
        "apps", "create", "--name", "Second factor", "--type", "spa", "--callbacks", CALLBACK,
        "--tenant", tenant,
    )  # fmt: skip
    return tenant, app


def test_second_factor_pages_pass_axe(server: Server, browser: Chromium) -> None:
    """The hosted MFA pages: enrolment (QR code, key, recovery code), the challenge and the
    recovery code, each also with a wrong code, and the new recovery code; in each direction,
    plain and with a pale brand colour."""
    audit = Audit(browser)
    for brand, options in BRANDS.items():
        tenant, app = settings_tenant(server, f"mfa-{brand}", "--mfa", "otp,recovery-code", *options)
        for language in LANGUAGES:
            for who in ("new", "enrolled"):
                email = f"{who}-{language}@{tenant}.example"
                server.cli("users", "create", "--email", email, "--password", PASSWORD, "--tenant", tenant)
            _, recovery_code = hosted_enrolment(
                server, app, f"enrolled-{language}@{tenant}.example", tenant, CALLBACK, PASSWORD
            )
            for who, page in (("new", "enrolment"), ("enrolled", "challenge")):
                tag = f"{brand}/{language} {page}"
                browser.new_session()
                browser.goto(login_url(server, tenant, app, language))
                submit(browser, {"#email": f"{who}-{language}@{tenant}.example", "#password": PASSWORD})
                browser.wait_for_url(f"{server.host_origin(tenant)}/u/login")
                browser.wait_for_text("h1", "")
                assert browser.focused() == "code"
                audit.check(tag)
                submit(browser, {"#code": "000000"})
                browser.wait_for_text("#error", "")
                audit.check(f"{tag}, wrong code")
                assert_error_on(browser, "code")
            browser.click("form.alt-method button")  # the challenge page: "Use a recovery code"
            browser.wait_for_text("h1", "")
            audit.check(f"{brand}/{language} recovery code")
            assert browser.focused() == "recovery"
            submit(browser, {"#recovery": "NOT A RECOVERY CODE"})
            browser.wait_for_text("#error", "")
            audit.check(f"{brand}/{language} recovery code, wrong code")
            assert_error_on(browser, "recovery")
            submit(browser, {"#recovery": recovery_code})
            browser.wait_for_text("#new-recovery-code", "")
            audit.check(f"{brand}/{language} new recovery code")
    print(f"axe-core checked {len(audit.checked)} page states:", *audit.checked, sep="\n  ")
    assert len(audit.checked) == len(BRANDS) * len(LANGUAGES) * 7 and audit.violations == {}, audit.violations


# What a broken authenticator might post: the form's credential that no check accepts.
SEND_NONSENSE = """() => { const form = document.getElementById('webauthn-form');
  form.elements.credential.value = '{"id": "x", "response": {}}'; form.submit(); }"""


def test_security_key_pages_pass_axe(server: Server, browser: Chromium) -> None:
    """The choice of factors, a security key's enrolment, and the same page after the server
    refused what came back (its error tied to the button, which has the focus); in each
    direction, plain and with a pale brand colour."""
    audit = Audit(browser)
    for brand, options in BRANDS.items():
        tenant, app = settings_tenant(server, f"keys-{brand}", "--mfa", "otp,webauthn-roaming", *options)
        for language in LANGUAGES:
            email = f"key-{language}@{tenant}.example"
            server.cli("users", "create", "--email", email, "--password", PASSWORD, "--tenant", tenant)
            browser.new_session()
            browser.goto(login_url(server, tenant, app, language))
            submit(browser, {"#email": email, "#password": PASSWORD})
            browser.wait_for_text("#use-webauthn-roaming", "")
            audit.check(f"{brand}/{language} choice of factors")
            browser.click("#use-webauthn-roaming")
            browser.wait_for_text("#webauthn-start", "")
            assert browser.focused() == "webauthn-start"
            audit.check(f"{brand}/{language} security key enrolment")
            browser.evaluate(SEND_NONSENSE)
            browser.wait_for_text("#error", "")
            audit.check(f"{brand}/{language} security key enrolment, refused")
            assert_error_on(browser, "webauthn-start")
    print(f"axe-core checked {len(audit.checked)} page states:", *audit.checked, sep="\n  ")
    assert len(audit.checked) == len(BRANDS) * len(LANGUAGES) * 3 and audit.violations == {}, audit.violations


def test_passkey_pages_pass_axe(server: Server, browser: Chromium) -> None:
    """With passkeys on: the login page (its passkey button), the signup page, "Create a passkey"
    (after the emailed code), and that page after the server refused what came back; each
    direction, plain and branded."""
    audit = Audit(browser)
    for brand, options in BRANDS.items():
        tenant, app = settings_tenant(server, f"passkeys-{brand}", "--passkeys", "on", *options)
        for language in LANGUAGES:
            browser.new_session()
            browser.goto(login_url(server, tenant, app, language))
            browser.wait_for_text("#passkey-start", "")
            audit.check(f"{brand}/{language} login with a passkey")
            browser.goto(browser.url().replace("/u/login", "/u/signup"))
            browser.wait_for_text("#passkey-signup", "")
            audit.check(f"{brand}/{language} signup with a passkey")
            email = f"new-{language}@{tenant}.example"
            browser.fill("#email", email)
            browser.click("#passkey-signup")
            browser.wait_for_text("#code", "")
            browser.fill("#code", email_code(server, email, tenant=tenant))
            browser.click("main form button[type=submit]")
            browser.wait_for_text("#webauthn-start", "")
            assert browser.focused() == "webauthn-start"
            audit.check(f"{brand}/{language} create a passkey")
            browser.evaluate(SEND_NONSENSE)
            browser.wait_for_text("#error", "")
            audit.check(f"{brand}/{language} create a passkey, refused")
            assert_error_on(browser, "webauthn-start")
    print(f"axe-core checked {len(audit.checked)} page states:", *audit.checked, sep="\n  ")
    assert len(audit.checked) == len(BRANDS) * len(LANGUAGES) * 4 and audit.violations == {}, audit.violations
