"""The real auth0.js (npm `auth0-js`) in headless Chromium: embedded login through
`/co/authenticate` and `login_ticket`, `checkSession` (implicit `token id_token` over
`web_message`), and passwordless start + login with an email code.

auth0.js validates every ID token it is given (RS256 with the JWKS, `iss`, `aud`, `nonce`, `exp`)
and the `state` of every response, so each successful call below is also that check.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e_support import Chromium, StaticSite
from tests.mail_support import email_code

EMAIL, PASSWORD = "embedded@example.com", "auth0.js in chromium 1"
DATABASE = "Username-Password-Authentication"


@pytest.fixture(scope="module")
def page(server: Server, site: StaticSite) -> str:
    """The app's page (its callback), with cross-origin authentication on for the site's origin."""
    url = f"{site.origin}/embedded/"
    server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    server.cli("connections", "create", "--name", "email", "--strategy", "email")
    app = server.cli(
        "apps",
        "create",
        "--name",
        "auth0.js app",
        "--type",
        "spa",
        "--callbacks",
        url,
        "--web-origins",
        site.origin,
        "--cross-origin",
    )
    return site.page("embedded", {"webAuth": web_auth_options(server, app)}, template="auth0js.html")


def web_auth_options(server: Server, app: dict) -> dict[str, Any]:
    """auth0.js `WebAuth` options for the app against this server."""
    return {
        "domain": server.origin,
        "clientID": app["client_id"],
        "responseType": "token id_token",
        "scope": "openid profile email",
        # auth0.js assumes https://{domain}/ as the issuer; the local server is plain http.
        "overrides": {
            "__token_issuer": f"{server.origin}/",
            "__jwks_uri": f"{server.origin}/.well-known/jwks.json",
        },
    }


def run(browser: Chromium, body: str, arg: Any = None) -> Any:
    """`body` runs in the page (`webAuth`, `call(method, options)`, `parsed` and `arg` in scope)."""
    return browser.evaluate(f"async (arg) => {{ {body} }}", arg)


def logged_in(browser: Chromium, page: str) -> dict[str, Any]:
    """After a redirect back to the page: the ID token claims parseHash validated."""
    browser.wait_for_url(page)
    browser.wait_for_text("#status", "logged in")
    return run(browser, "return (await parsed).idTokenPayload;")


def embedded_login(browser: Chromium, page: str, email: str = EMAIL) -> dict[str, Any]:
    """auth0.js `webAuth.login` with the database connection on the app's page, then the ID token
    claims once back on it."""
    browser.goto(page)
    run(
        browser,
        "webAuth.login({realm: arg.realm, username: arg.email, password: arg.password}, () => {});"
        " return null;",
        {"realm": DATABASE, "email": email, "password": PASSWORD},
    )
    return logged_in(browser, page)


def test_embedded_login_then_check_session(browser: Chromium, page: str) -> None:
    browser.new_session()
    assert embedded_login(browser, page)["email"] == EMAIL

    session = run(browser, "return await call('checkSession', {});")
    assert session["idTokenPayload"]["email"] == EMAIL
    assert session["accessToken"] and session["tokenType"] == "Bearer"


def test_user_info_from_the_browser(browser: Chromium, page: str) -> None:
    """auth0.js `client.userInfo(accessToken)`: a cross-origin GET with `Authorization`, so the
    preflight must allow that header (it did not: the review's "defects real clients hit")."""
    browser.new_session()
    embedded_login(browser, page)
    token = run(browser, "return (await parsed).accessToken;")
    profile = run(
        browser,
        "return await new Promise((resolve, reject) =>"
        " webAuth.client.userInfo(arg, (error, user) => (error ? reject(error) : resolve(user))));",
        token,
    )
    assert profile["email"] == EMAIL and profile["sub"].startswith("auth0|")


def test_embedded_login_with_a_wrong_password(browser: Chromium, page: str) -> None:
    browser.new_session()
    browser.goto(page)
    error = run(
        browser,
        "return await new Promise((resolve) => webAuth.login("
        "{realm: arg.realm, username: arg.email, password: 'wrong'}, (error) => resolve(error)));",
        {"realm": DATABASE, "email": EMAIL},
    )
    assert error["code"] == "access_denied"
    assert error["description"] == "Wrong email or password."


def test_check_session_without_a_session_is_login_required(browser: Chromium, page: str) -> None:
    browser.new_session()
    browser.goto(page)
    error = run(browser, "try { await call('checkSession', {}); return null; } catch (e) { return e; }")
    assert error["error"] == "login_required"


def test_passwordless_start_then_login_with_the_emailed_code(
    browser: Chromium, page: str, server: Server
) -> None:
    email = "pl-js@example.com"
    browser.new_session()
    browser.goto(page)
    run(
        browser,
        "return await call('passwordlessStart', {connection: 'email', send: 'code', email: arg});",
        email,
    )
    code = email_code(server, email)
    run(
        browser,
        "const options = {connection: 'email', email: arg.email, verificationCode: arg.code};"
        " webAuth.passwordlessLogin(options, () => {}); return null;",
        {"email": email, "code": code},
    )
    claims = logged_in(browser, page)
    assert claims["email"] == email and claims["sub"].startswith("email|")


@pytest.fixture(scope="module")
def fallback_page(server: Server, site: StaticSite, page: str) -> str:
    """An app whose `cross_origin_loc` page runs auth0.js `crossOriginVerification()` (the user
    and connections come with `page`)."""
    url = f"{site.origin}/embedded-fallback/"
    verify = f"{site.origin}/verify/"
    app = server.cli(
        "apps",
        "create",
        "--name",
        "auth0.js fallback",
        "--type",
        "spa",
        "--callbacks",
        url,
        "--web-origins",
        site.origin,
        "--cross-origin",
        "--cross-origin-loc",
        verify,
    )
    web_auth = web_auth_options(server, app)
    site.page(
        "verify", {"webAuth": {"domain": server.origin, "clientID": app["client_id"]}}, "auth0js_verify.html"
    )
    return site.page("embedded-fallback", {"webAuth": web_auth}, template="auth0js.html")


def test_embedded_login_when_the_browser_blocks_third_party_cookies(
    browser: Chromium, fallback_page: str, server: Server, site: StaticSite
) -> None:
    """Auth0's cross-origin verification fallback: /co/authenticate's cookie never arrives, so
    /authorize asks the app's `cross_origin_loc` page (auth0.js, in a hidden iframe) for the
    co_verifier it kept, and the login completes in this browser only."""
    browser.new_session()
    browser.track(server.origin, site.origin)
    browser.block_cookies("/co/authenticate")
    assert embedded_login(browser, fallback_page)["email"] == EMAIL
    assert not [c for c in browser.cookies() if c["name"] == "edgeauth_co"]
    posted = [r for r in browser.requests() if r["url"].endswith("/co/verify")]
    assert posted and posted[0]["status"] == 302


def test_embedded_login_under_adaptive_mfa(browser: Chromium, page: str, server: Server) -> None:
    """Adaptive MFA asks a user with no factor to prove the mailbox on a new device; an embedded
    login has no page to ask on, so its ticket and `/authorize?login_ticket=` let it through (a
    user with a factor would be refused, as under `all-applications`)."""
    email = "embedded-adaptive@example.com"
    server.cli("users", "create", "--email", email, "--password", PASSWORD, "--email-verified")
    server.cli("tenants", "update", "--mfa", "otp", "--mfa-policy", "confidence-score")
    try:
        browser.new_session()
        assert embedded_login(browser, page, email)["email"] == email
    finally:
        server.cli("tenants", "update", "--mfa", "off")
