"""WebAuthn in Chromium with a virtual authenticator (the Chrome DevTools Protocol's WebAuthn
domain, through playwright-core), in both runtimes: auth0-spa-js's loginWithRedirect, the
password, then a USB security key enrolled at the first login by the hosted page's own script
(the recovery code shown once on the way back), and the same key asked for at the next login;
the device's authenticator (internal, user-verifying) the same way."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e_support import Chromium, StaticSite
from tests.test_mfa import PASSWORD
from tests.test_mfa_spa import run, sign_in

SECURITY_KEY = {
    "protocol": "ctap2",
    "transport": "usb",
    "hasResidentKey": False,
    "hasUserVerification": False,
}
DEVICE = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
          "isUserVerified": True}  # fmt: skip


@pytest.fixture(scope="module")
def page(server: Server, site: StaticSite) -> str:
    """A SPA on the static site, its app, and every WebAuthn factor on."""
    server.cli("tenants", "update", "--mfa", "webauthn-roaming,webauthn-platform,recovery-code")
    name = f"keys-{server.mode}"
    url = f"{site.origin}/{name}/"
    app = server.cli(
        "apps", "create", "--name", "Keys SPA", "--type", "spa", "--callbacks", url,
        "--web-origins", site.origin,
    )  # fmt: skip
    site.page(name, {"client": {"domain": server.origin, "clientId": app["client_id"]}})
    return url


def enrol_and_return(browser: Chromium, server: Server, page: str, factor: str) -> None:
    """The choice of factors, the enrolment page's button (the authenticator answers), the first
    recovery code, and back in the app."""
    browser.wait_for_text("h1", "")
    browser.click(f"#use-{factor}")
    browser.wait_for_url(f"{server.origin}/u/mfa")
    browser.click("#webauthn-start")
    code = browser.wait_for_text("#new-recovery-code", "")
    assert len(code) == 24
    browser.click("#continue")
    browser.wait_for_url(page)


@pytest.mark.parametrize(
    "factor,options", [("webauthn-roaming", SECURITY_KEY), ("webauthn-platform", DEVICE)]
)
def test_a_virtual_authenticator_enrolls_then_signs_in(
    server: Server, browser: Chromium, page: str, factor: str, options: dict[str, Any]
) -> None:
    email = f"{factor}-{server.mode}@example.com"
    server.cli("users", "create", "--email", email, "--password", PASSWORD)
    browser.new_session()
    authenticator = browser.virtual_authenticator(**options)
    sign_in(browser, page, server.origin, email)
    enrol_and_return(browser, server, page, factor)
    claims = run(browser, "return await client.getIdTokenClaims()")
    assert claims["email"] == email and claims["amr"] == ["mfa"]
    [credential] = browser.authenticator_credentials(authenticator)
    assert credential["rpId"] == "localhost" and credential["signCount"] == 1

    browser.clear_cookies()  # a new visit: no session, the same authenticator plugged in
    sign_in(browser, page, server.origin, email)
    browser.wait_for_text("#webauthn-start", "")
    assert browser.evaluate("() => document.getElementById('webauthn-form').dataset.ceremony") == "get"
    browser.click("#webauthn-start")
    browser.wait_for_url(page)
    assert run(browser, "return (await client.getIdTokenClaims()).amr") == ["mfa"]
    assert browser.authenticator_credentials(authenticator)[0]["signCount"] == 2
