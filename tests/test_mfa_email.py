"""The email factor (Auth0 Guardian's `email`), both runtimes: a user with a verified email has
it with nothing to enroll; auth0-python's password login answers `mfa_required` with
`{"challenge": [{"type": "email"}]}`, `/mfa/authenticators` lists the address masked, `/mfa/challenge`
(`oob`) emails a code and names it (`oob_code`), and the `mfa-oob` grant with the emailed
`binding_code` completes the login; a code is good once and for its own login; the hosted page
emails the code and takes it (a wrong one sends no new email)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jwt
import pytest
from auth0.authentication.exceptions import Auth0Error

from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server
from tests.mail_support import email_code, emails_to
from tests.test_mfa import CALLBACK, DATABASE, PASSWORD, PASSWORD_REALM, get_token, hidden, mfa_grant

MFA_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"


@pytest.fixture(scope="module")
def app(server: Server) -> dict[str, Any]:
    server.cli("tenants", "update", "--mfa", "email")
    return server.cli(
        "apps", "create", "--name", "Email factor", "--type", "native",
        "--grants", f"{PASSWORD_REALM},{MFA_OOB},authorization_code", "--callbacks", CALLBACK,
    )  # fmt: skip


def verified_user(server: Server, email: str) -> str:
    server.cli("users", "create", "--email", email, "--password", PASSWORD, "--email-verified")
    return email


def mfa_token_of(server: Server, app: dict[str, Any], email: str) -> dict[str, Any]:
    with pytest.raises(Auth0Error) as refused:
        get_token(server, app).login(email, PASSWORD, realm=DATABASE, scope="openid email")
    assert refused.value.error_code == "mfa_required"
    body: dict[str, Any] = refused.value.content
    return body


def challenge(server: Server, app: dict[str, Any], mfa_token: str, **extra: str) -> httpx.Response:
    with server.client() as http:
        return http.post(
            "/mfa/challenge",
            json={"client_id": app["client_id"], "mfa_token": mfa_token, "challenge_type": "oob", **extra},
        )


def test_the_email_factor_through_the_mfa_api(server: Server, app: dict[str, Any]) -> None:
    email = verified_user(server, "email-factor@example.com")
    pending = mfa_token_of(server, app, email)
    assert pending["mfa_requirements"] == {"challenge": [{"type": "email"}]}
    with server.client() as http:
        listed = http.get("/mfa/authenticators", headers={"Authorization": f"Bearer {pending['mfa_token']}"})
    [authenticator] = listed.json()
    assert authenticator["authenticator_type"] == "oob" and authenticator["oob_channel"] == "email"
    assert authenticator["name"] == "e***@example.com" and authenticator["id"].startswith("email|")

    asked = challenge(server, app, pending["mfa_token"], authenticator_id=authenticator["id"])
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["challenge_type"] == "oob" and body["binding_method"] == "prompt" and body["oob_code"]
    code = email_code(server, email)
    wrong = next(c for c in ("000000", "111111") if c != code)
    with pytest.raises(Auth0Error) as refused:
        mfa_grant(
            server,
            app,
            MFA_OOB,
            mfa_token=pending["mfa_token"],
            oob_code=body["oob_code"],
            binding_code=wrong,
        )
    assert refused.value.status_code == 403
    tokens = mfa_grant(
        server, app, MFA_OOB, mfa_token=pending["mfa_token"], oob_code=body["oob_code"], binding_code=code
    )
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]

    # A code is good for its own login only: another mfa_token cannot use it.
    other = mfa_token_of(server, app, email)
    again = challenge(server, app, other["mfa_token"]).json()
    second = email_code(server, email, 2)
    stranger = mfa_token_of(server, app, email)
    with pytest.raises(Auth0Error):
        mfa_grant(
            server,
            app,
            MFA_OOB,
            mfa_token=stranger["mfa_token"],
            oob_code=again["oob_code"],
            binding_code=second,
        )


def test_the_hosted_page_emails_the_code(server: Server, app: dict[str, Any]) -> None:
    email = verified_user(server, "hosted-email-factor@example.com")
    browser = Browser(server)
    verifier, pkce = pkce_pair()
    page = browser.login(code_query(app["client_id"], CALLBACK, pkce), email, PASSWORD)
    assert page.status_code == 200 and "h***@example.com" in page.text, page.text
    code = email_code(server, email)
    form = {name: hidden(page, name) for name in ("state", "mfa_token", "factor", "sent_to")}
    wrong = browser.request(
        "POST", "/u/mfa", data={**form, "code": next(c for c in ("000000", "111111") if c != code)}
    )
    assert (
        wrong.status_code == 400 and 'aria-invalid="true"' in wrong.text and "h***@example.com" in wrong.text
    )
    assert len(emails_to(server, email)) == 1  # no new code for a wrong one
    params = redirect_params(browser.request("POST", "/u/mfa", data={**form, "code": code}))
    tokens = get_token(server, app).authorization_code_pkce(verifier, params["code"], CALLBACK)
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]
    assert re.search(r"\d{6}", emails_to(server, email)[0]["text"])


def test_no_recovery_code_is_offered_to_a_user_who_has_none(server: Server, app: dict[str, Any]) -> None:
    """Recovery codes on, and a user whose only factor is the email: the page does not offer a
    recovery code the user was never given (Auth0's "Try another method" lists what the user has)."""
    server.cli("tenants", "update", "--mfa", "email,recovery-code")
    try:
        email = verified_user(server, "no-recovery-code@example.com")
        page = Browser(server).login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
        assert page.status_code == 200 and "n***@example.com" in page.text, page.text
        assert 'id="use-recovery-code"' not in page.text
    finally:
        server.cli("tenants", "update", "--mfa", "email")


def test_wrong_codes_and_sends_are_bounded(server: Server, app: dict[str, Any]) -> None:
    """Ten wrong emailed codes lock the factor (429, the right code too); at most five emails
    go out in ten minutes, whatever the number of logins asking."""
    email = verified_user(server, "bounded-email@example.com")
    pending = mfa_token_of(server, app, email)
    oob = challenge(server, app, pending["mfa_token"]).json()["oob_code"]
    code = email_code(server, email)
    wrong = next(c for c in ("000000", "111111") if c != code)
    statuses = []
    for _ in range(11):
        with pytest.raises(Auth0Error) as refused:
            mfa_grant(server, app, MFA_OOB, mfa_token=pending["mfa_token"], oob_code=oob, binding_code=wrong)
        statuses.append(refused.value.status_code)
    assert statuses[:9] == [403] * 9 and statuses[-1] == 429
    asked = [
        challenge(server, app, mfa_token_of(server, app, email)["mfa_token"]).status_code for _ in range(5)
    ]
    assert asked[-1] == 429 and len(emails_to(server, email)) <= 5


def test_an_mfa_token_serves_its_own_channel(server: Server, app: dict[str, Any]) -> None:
    """A hosted login's mfa_token is no good at the MFA API or grants, and a password grant's is no
    good on the hosted page: refused, never a server error."""
    email = verified_user(server, "channels@example.com")
    browser = Browser(server)
    page = browser.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
    hosted = hidden(page, "mfa_token")
    assert challenge(server, app, hosted).status_code == 403
    api_token = mfa_token_of(server, app, email)["mfa_token"]
    form = {
        "state": hidden(page, "state"),
        "mfa_token": api_token,
        "factor": "email",
        "code": email_code(server, email),
    }
    assert browser.request("POST", "/u/mfa", data=form).status_code == 400


def test_without_a_way_to_pass_the_login_is_refused(server: Server, app: dict[str, Any]) -> None:
    """Only the email (and recovery codes) on, and an unverified email: no second factor this user
    can pass, so the login is refused rather than shown an enrolment the tenant does not offer."""
    server.cli("tenants", "update", "--mfa", "email,recovery-code")
    try:
        email = "no-way@example.com"
        server.cli("users", "create", "--email", email, "--password", PASSWORD)
        page = Browser(server).login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
        assert page.status_code == 400 and 'id="secret"' not in page.text
        with pytest.raises(Auth0Error) as refused:
            get_token(server, app).login(email, PASSWORD, realm=DATABASE, scope="openid")
        assert refused.value.status_code == 403 and refused.value.error_code != "mfa_required"
    finally:
        server.cli("tenants", "update", "--mfa", "email")


def test_an_email_login_is_not_its_own_second_factor(server: Server, app: dict[str, Any]) -> None:
    """A passwordless email code proves the mailbox; the email factor would prove it again. With
    only that factor on, such a login has no second factor to pass: refused."""
    server.cli(
        "connections", "create", "--name", "email", "--strategy", "email", "--enable-app", app["client_id"]
    )
    email = verified_user(server, "mailbox-twice@example.com")
    browser = Browser(server)
    page = browser.authorize(code_query(app["client_id"], CALLBACK, pkce_pair()[1]))
    asked = browser.request("POST", "/u/passwordless", data={"state": hidden(page, "state"), "email": email})
    form = {"state": hidden(asked, "state"), "email": email, "code": email_code(server, email)}
    answer = browser.request("POST", "/u/passwordless/verify", data=form)
    assert (
        answer.status_code == 400 and "e***@" not in answer.text and "edgeauth_session" not in browser.cookies
    )
