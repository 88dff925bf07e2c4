"""Auth0's Adaptive MFA (the `confidence-score` policy), in both runtimes: a login from a device
its user has not completed a login on lately is of low confidence and asks for the second factor;
one from a known device (its `edgeauth_device` cookie) does not. A user with no factor proves the
verified mailbox instead, and one without a verified email is let through. Token grants carry no
device: an enrolled user's password login answers `mfa_required`. Another user's device id counts
for nothing, a planted one is no known device, and a password change (which signs the user out
everywhere) or a factor's enrolment forgets the known devices."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server
from tests.mail_support import email_code
from tests.test_mfa import CALLBACK, MFA_ACR, MFA_OTP, PASSWORD, associate, hidden, mfa_grant, rfc6238
from tests.test_mfa_api_token import PASSWORD_REALM, enrolled_user, policy, refused_login

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
    server: Server, app: dict[str, Any], email: str, devices: str = "", password: str = PASSWORD, **extra: str
) -> tuple[Browser, httpx.Response]:
    """A hosted login in a fresh browser that holds the device cookie `devices`, if given: the
    browser and the answer to the password form."""
    browser = Browser(server)
    if devices:
        browser.set_cookie(DEVICE_COOKIE, devices)
    query = code_query(app["client_id"], CALLBACK, pkce_pair()[1], **extra)
    return browser, browser.login(query, email, password)


def signed_in(answer: httpx.Response) -> bool:
    return answer.status_code == 302 and "code" in redirect_params(answer)


def emailed_code_passes(server: Server, browser: Browser, page: httpx.Response, email: str) -> bool:
    """The email code page, answered with the code the outbox got."""
    assert page.status_code == 200 and hidden(page, "factor") == "email", page.text
    form = {name: hidden(page, name) for name in ("state", "mfa_token", "factor", "sent_to")}
    return signed_in(browser.request("POST", "/u/mfa", data={**form, "code": email_code(server, email)}))


def test_a_new_device_asks_for_the_second_factor_a_known_one_does_not(
    server: Server, app: dict[str, Any]
) -> None:
    email = "adaptive@example.com"
    user_id, secret, enrolled_at = enrolled_user(server, app, email, after=ADAPTIVE)

    browser, page = hosted_login(server, app, email)
    assert page.status_code == 200 and 'name="code"' in page.text, page.text  # a device never seen
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token")}
    code = rfc6238(secret, enrolled_at + 30)
    assert signed_in(browser.request("POST", "/u/mfa", data={**form, "code": code}))
    cookie = next(cookie for cookie in browser.jar if cookie.name == DEVICE_COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure  # http here
    device = browser.cookies[DEVICE_COOKIE]

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
    assert "m***@example.com" in page.text
    assert emailed_code_passes(server, browser, page, email)
    known = browser.cookies[DEVICE_COOKIE]
    assert signed_in(hosted_login(server, app, email, known)[1])
    # A password grant has no device: the mailbox is asked for through the MFA API.
    pending = refused_login(server, app, email, scope="openid")
    assert pending["mfa_requirements"] == {"challenge": [{"type": "email"}]}
    # A user of the same browser who has not logged in on it is asked, whatever the browser holds.
    other = "second-user@example.com"
    server.cli("users", "create", "--email", other, "--password", PASSWORD, "--email-verified")
    browser, asked = hosted_login(server, app, other, known)
    assert emailed_code_passes(server, browser, asked, other)
    both = browser.cookies[DEVICE_COOKIE]
    assert signed_in(hosted_login(server, app, email, both)[1])  # the first user's token is kept
    assert signed_in(hosted_login(server, app, other, both)[1])

    # Without a verified email there is nothing to prove: the login goes through, and the
    # password alone makes no device known.
    unverified = "unverified-adaptive@example.com"
    server.cli("users", "create", "--email", unverified, "--password", PASSWORD)
    browser, answer = hosted_login(server, app, unverified)
    assert signed_in(answer) and DEVICE_COOKIE not in browser.cookies


def test_a_planted_device_cookie_is_no_known_device(server: Server, app: dict[str, Any]) -> None:
    """The tokens are minted by the user's object: a value an attacker plants in the victim's
    browser is not made known by the victim's login there."""
    email = "planted@example.com"
    server.cli("users", "create", "--email", email, "--password", PASSWORD, "--email-verified")
    planted = f"{'ab' * 32}.{'P' * 43}"
    browser, page = hosted_login(server, app, email, planted)
    assert emailed_code_passes(server, browser, page, email)
    assert browser.cookies[DEVICE_COOKIE] != planted
    assert not signed_in(hosted_login(server, app, email, planted)[1])


def test_a_login_asking_for_mfa_proves_the_mailbox_before_any_enrolment(
    server: Server, app: dict[str, Any]
) -> None:
    """`acr_values` asks for MFA; from a new device a user with no factor proves the mailbox
    first, rather than let the password alone enroll an authenticator app."""
    email = "acr-adaptive@example.com"
    server.cli("users", "create", "--email", email, "--password", PASSWORD, "--email-verified")
    browser, page = hosted_login(server, app, email, acr_values=MFA_ACR)
    assert 'id="secret"' not in page.text
    assert emailed_code_passes(server, browser, page, email)


def test_enrolling_a_factor_forgets_the_known_devices(server: Server, app: dict[str, Any]) -> None:
    email = "enrols-later@example.com"
    server.cli("users", "create", "--email", email, "--password", PASSWORD, "--email-verified")
    browser, page = hosted_login(server, app, email)
    assert emailed_code_passes(server, browser, page, email)
    known = browser.cookies[DEVICE_COOKIE]
    policy(server, "all-applications")
    try:
        pending = refused_login(server, app, email, scope="openid")
        secret = associate(server, pending["mfa_token"]).json()["secret"]
        mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(secret, time.time()))
    finally:
        policy(server, ADAPTIVE)
    assert 'name="code"' in hosted_login(server, app, email, known)[1].text
