"""auth0-spa-js in Chromium with MFA: a login through the hosted page's second factor (both
runtimes), and the SDK's own MFA client: a user signed in before the tenant required MFA;
once it does, `getTokenSilently` (a refresh grant) throws the SDK's `MfaRequiredError`, and
`client.mfa.getEnrollmentFactors` / `enroll` / `verify` (the `/mfa/associate` call and the
`mfa-otp` grant, as the SDK makes them) enroll an authenticator app and finish the step-up.

spa-js's MFA client builds `https://{domain}` URLs itself, so this runs the local runtime over
HTTPS with a throwaway CA's certificate (tls_server); the browser session accepts that
certificate. The edge host speaks plain HTTP only, so this SDK check is local; the same endpoints
are driven in both runtimes by tests/test_mfa.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edgeauth.runtime.local.process import ServerProcess
from tests.conftest import Server
from tests.e2e_support import Chromium, StaticSite
from tests.management.conftest import tls_server as tls_server
from tests.test_mfa import MFA_OTP, PASSWORD, rfc6238

EMAIL = "spa-mfa@example.com"


@pytest.fixture(scope="module")
def setup(tls_server: tuple[ServerProcess, Path], site: StaticSite) -> Iterator[tuple[Server, str]]:
    """A SPA keeping refresh tokens (localStorage), allowed the MFA grant, and its user."""
    process, _ = tls_server
    server = Server(process, "local")
    page = f"{site.origin}/mfa/"
    server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    app = server.cli(
        "apps", "create", "--name", "MFA SPA", "--type", "spa", "--callbacks", page,
        "--web-origins", site.origin, "--grants", f"authorization_code,refresh_token,{MFA_OTP}",
    )  # fmt: skip
    client = {
        "domain": f"localhost:{process.port}",
        "clientId": app["client_id"],
        "useRefreshTokens": True,
        "cacheLocation": "localstorage",
    }
    site.page("mfa", {"client": client})
    yield server, page


def sign_in(browser: Chromium, page: str, issuer: str, email: str) -> None:
    """The SPA's login button, then the hosted login page, typed like a user."""
    browser.goto(page)
    browser.click("#login")
    browser.wait_for_url(f"{issuer}/u/login")
    browser.type("#email", email)
    browser.type("#password", PASSWORD)
    browser.press("#password", "Enter")


def run(browser: Chromium, body: str, arg: Any = None) -> Any:
    """`body` runs in the page once the client is ready, with `client` and `arg` in scope."""
    return browser.evaluate(f"async (arg) => {{ await window.ready; {body} }}", arg)


def test_spa_js_steps_up_with_its_mfa_client(browser: Chromium, setup: tuple[Server, str]) -> None:
    server, page = setup
    issuer = f"https://localhost:{server.port}"
    server.cli("tenants", "update", "--mfa", "off")
    browser.new_session(accept_test_certificates=True)
    sign_in(browser, page, issuer, EMAIL)
    browser.wait_for_url(page)
    assert run(browser, "return (await client.getUser()).email") == EMAIL

    server.cli("tenants", "update", "--mfa", "otp,recovery-code")
    refused = run(
        browser,
        """try { await client.getTokenSilently({ cacheMode: 'off' }); return null; }
           catch (e) { return { sdk: e instanceof auth0.MfaRequiredError, error: e.error,
                                token: e.mfa_token, requirements: e.mfa_requirements }; }""",
    )
    assert refused is not None and refused["sdk"] is True and refused["error"] == "mfa_required"
    assert refused["requirements"] == {"enroll": [{"type": "otp"}]}
    mfa_token = refused["token"]

    assert run(browser, "return await client.mfa.getEnrollmentFactors(arg)", mfa_token) == [{"type": "otp"}]
    enrolled = run(browser, "return await client.mfa.enroll({ mfaToken: arg, factorType: 'otp' })", mfa_token)
    assert enrolled["authenticatorType"] == "otp" and enrolled["barcodeUri"].startswith("otpauth://totp/")
    assert len(enrolled["recoveryCodes"]) == 1

    otp = rfc6238(enrolled["secret"], time.time())
    tokens = run(
        browser,
        "return await client.mfa.verify({ mfaToken: arg.token, otp: arg.otp })",
        {"token": mfa_token, "otp": otp},
    )
    assert tokens["access_token"] and tokens["refresh_token"]
    assert run(browser, "return (await client.getIdTokenClaims()).amr") == ["mfa"]
    # The new refresh token's login passed MFA: it rotates.
    assert run(browser, "return await client.getTokenSilently({ cacheMode: 'off' })")


def test_spa_js_login_passes_the_hosted_second_factor(
    server: Server, site: StaticSite, browser: Chromium
) -> None:
    """loginWithRedirect → the hosted page → the enrolment page (its QR code and key) → the code
    typed like a user would → back in the app, signed in with `amr: ["mfa"]`; both runtimes."""
    email = "hosted-mfa@example.com"
    server.cli("tenants", "update", "--mfa", "otp,recovery-code")
    server.cli("users", "create", "--email", email, "--password", PASSWORD)
    page = f"{site.origin}/hosted-{server.mode}/"
    app = server.cli(
        "apps", "create", "--name", "Hosted MFA", "--type", "spa", "--callbacks", page,
        "--web-origins", site.origin,
    )  # fmt: skip
    site.page(f"hosted-{server.mode}", {"client": {"domain": server.origin, "clientId": app["client_id"]}})
    browser.new_session()
    sign_in(browser, page, server.origin, email)
    browser.wait_for_text("#secret", "")
    assert browser.focused() == "code"
    assert browser.evaluate("() => document.querySelector('.qr svg').getAttribute('role')") == "img"
    browser.type("#code", rfc6238(browser.text("#secret"), time.time()))
    browser.press("#code", "Enter")
    browser.wait_for_url(page)
    claims = run(browser, "return await client.getIdTokenClaims()")
    assert claims["email"] == email and claims["amr"] == ["mfa"]
