"""Auth0's Adaptive MFA (the `confidence-score` policy), in both runtimes: a login from a device
its user has not completed a login on lately is of low confidence and asks for the second factor;
one from a known device (its `edgeauth_device` cookie) does not. A user with no factor proves the
verified mailbox instead, and one without a verified email is let through. Token grants carry no
device: an enrolled user's password login answers `mfa_required`. Another user's device id counts
for nothing, and a password change (which signs the user out everywhere) forgets known devices."""

from __future__ import annotations

from http.cookiejar import Cookie
from typing import Any

import httpx
import pytest

from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server
from tests.mail_support import email_code
from tests.test_mfa import CALLBACK, MFA_OTP, PASSWORD, hidden, rfc6238
from tests.test_mfa_api_token import PASSWORD_REALM, enrolled_user, refused_login

DEVICE_COOKIE = "edgeauth_device"
ADAPTIVE = "confidence-score"


@pytest.fixture(scope="module")
def app(server: Server) -> dict[str, Any]:
    server.cli("tenants", "update", "--mfa", "otp,recovery-code", "--mfa-policy", ADAPTIVE)
    grants = [PASSWORD_REALM, MFA_OTP, "authorization_code"]
    return server.cli(
        "apps", "create", "--name", "Adaptive", "--type", "native", "--grants", ",".join(grants),
        "--callbacks", CALLBACK,
    )  # fmt: skip


def hosted_login(
    server: Server, app: dict[str, Any], email: str, device: Cookie | None = None, password: str = PASSWORD
) -> tuple[Browser, httpx.Response]:
    """A hosted login in a fresh browser that holds `device`'s cookie, if given: the browser and
    the answer to the password form."""
    browser = Browser(server)
    if device is not None:
        browser.jar.set_cookie(device)
    return browser, browser.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, password)


def device_cookie(browser: Browser) -> Cookie:
    return next(cookie for cookie in browser.jar if cookie.name == DEVICE_COOKIE)


def signed_in(answer: httpx.Response) -> bool:
    return answer.status_code == 302 and "code" in redirect_params(answer)


def test_a_new_device_asks_for_the_second_factor_a_known_one_does_not(
    server: Server, app: dict[str, Any]
) -> None:
    email = "adaptive@example.com"
    user_id, secret, enrolled_at = enrolled_user(server, app, email, after=ADAPTIVE)

    browser, page = hosted_login(server, app, email)
    assert page.status_code == 200 and 'name="code"' in page.text, page.text  # a device never seen
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token")}
    assert signed_in(
        browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret, enrolled_at + 30)})
    )
    device = device_cookie(browser)
    assert device.has_nonstandard_attr("HttpOnly") and not device.secure  # http here

    assert signed_in(hosted_login(server, app, email, device)[1])  # known now: no second factor
    assert 'name="code"' in hosted_login(server, app, email)[1].text  # another browser is asked
    # No device in a token grant: the password login of an enrolled user needs the second factor.
    assert refused_login(server, app, email, scope="openid")["mfa_requirements"] == {
        "challenge": [{"type": "otp"}]
    }

    # A password change signs the user out everywhere, and forgets the devices it knew.
    server.cli("users", "update", user_id, "--password", "a changed password 3")
    asked = hosted_login(server, app, email, device, password="a changed password 3")[1]
    assert 'name="code"' in asked.text


def test_without_a_factor_a_new_device_proves_the_mailbox(server: Server, app: dict[str, Any]) -> None:
    email = "mailbox-adaptive@example.com"
    server.cli("users", "create", "--email", email, "--password", PASSWORD, "--email-verified")
    browser, page = hosted_login(server, app, email)
    assert page.status_code == 200 and "m***@example.com" in page.text, page.text
    form = {name: hidden(page, name) for name in ("state", "mfa_token", "factor", "sent_to")}
    assert form["factor"] == "email"
    assert signed_in(browser.request("POST", "/u/mfa", data={**form, "code": email_code(server, email)}))
    assert signed_in(hosted_login(server, app, email, device_cookie(browser))[1])
    # A password grant has no device: the mailbox is asked for through the MFA API.
    pending = refused_login(server, app, email, scope="openid")
    assert pending["mfa_requirements"] == {"challenge": [{"type": "email"}]}

    # Without a verified email there is nothing to prove: the login goes through.
    unverified = "unverified-adaptive@example.com"
    server.cli("users", "create", "--email", unverified, "--password", PASSWORD)
    browser, answer = hosted_login(server, app, unverified)
    assert signed_in(answer)
    # A user of the same browser who has never logged in on it is asked, whatever it knows.
    other = "second-user@example.com"
    server.cli("users", "create", "--email", other, "--password", PASSWORD, "--email-verified")
    asked = hosted_login(server, app, other, device_cookie(browser))[1]
    assert asked.status_code == 200 and "s***@example.com" in asked.text
