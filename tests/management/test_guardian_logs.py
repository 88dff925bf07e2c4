"""Guardian's log events (Auth0 `gd_*`), read back with `GET /api/v2/logs`: each answer to a second
factor through the MFA grants and the hosted page (success, failure, enrolment, recovery code, too
many failures), the email factor's code sent, an authenticator removed through the MFA API; each
names the user, the application and the factor."""

from __future__ import annotations

import time
from typing import Any

import pytest
from auth0.authentication.exceptions import Auth0Error

from edgeauth.mfa.log_events import answer_type, factor_of
from edgeauth.users.answers import Refusal
from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server, eventually
from tests.management.conftest import Management
from tests.test_mfa import (
    CALLBACK,
    MFA_OTP,
    MFA_RECOVERY_CODE,
    PASSWORD,
    PASSWORD_REALM,
    associate,
    hidden,
    mfa_grant,
    mfa_required,
    rfc6238,
)
from tests.test_mfa_api_token import SCOPES, mfa_api_token, removed

MFA_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"


@pytest.fixture(scope="module")
def app(mgmt: Management) -> dict[str, Any]:
    """MFA for every login (the authenticator app, recovery codes); a native app with the MFA grants."""
    server = mgmt.server
    server.cli("tenants", "update", "--mfa", "otp,recovery-code", "--mfa-policy", "all-applications")
    grants = [PASSWORD_REALM, MFA_OTP, MFA_RECOVERY_CODE, MFA_OOB, "refresh_token", "authorization_code"]
    return server.cli(
        "apps", "create", "--name", "Guardian Logs", "--type", "native", "--grants", ",".join(grants),
        "--callbacks", CALLBACK,
    )  # fmt: skip


def new_user(server: Server, email: str, *options: str) -> str:
    return str(server.cli("users", "create", "--email", email, "--password", PASSWORD, *options)["user_id"])


def guardian_events(mgmt: Management, user_id: str, count: int) -> list[dict[str, Any]]:
    """The user's `gd_*` events, oldest first, once `count` of them are stored (the queue's copy)."""

    def read() -> list[dict[str, Any]]:
        with mgmt.api() as api:
            answer = api.get(f"/users/{user_id}/logs", params={"per_page": 100, "sort": "date:1"})
        assert answer.status_code == 200, answer.text
        return [log for log in answer.json() if log["type"].startswith("gd_")]

    events: list[dict[str, Any]] = eventually(read, lambda found: len(found) >= count)
    assert len(events) == count, events
    return events


def not_a_code(secret: str, at: float) -> str:
    """Six digits the app shows at no step near `at`."""
    good = {rfc6238(secret, at, offset) for offset in range(-2, 4)}
    return next(code for code in ("000000", "111111", "222222") if code not in good)


def refused(grant: str, server: Server, app: dict[str, Any], **fields: str) -> None:
    with pytest.raises(Auth0Error):
        mfa_grant(server, app, grant, **fields)


def test_answers_through_the_mfa_grants(mgmt: Management, app: dict[str, Any]) -> None:
    server = mgmt.server
    user_id = new_user(server, "guardian-grants@example.com")
    first = mfa_required(server, app, "guardian-grants@example.com")["mfa_token"]
    enrolment = associate(server, first).json()
    secret, recovery_code, now = enrolment["secret"], enrolment["recovery_codes"][0], time.time()
    wrong = not_a_code(secret, now)
    refused(MFA_OTP, server, app, mfa_token=first, otp=wrong)
    mfa_grant(server, app, MFA_OTP, mfa_token=first, otp=rfc6238(secret, now))

    second = mfa_required(server, app, "guardian-grants@example.com")["mfa_token"]
    refused(MFA_RECOVERY_CODE, server, app, mfa_token=second, recovery_code="WRONG" * 4)
    mfa_grant(server, app, MFA_RECOVERY_CODE, mfa_token=second, recovery_code=recovery_code)
    third = mfa_required(server, app, "guardian-grants@example.com")["mfa_token"]
    mfa_grant(server, app, MFA_OTP, mfa_token=third, otp=rfc6238(secret, now + 30))

    events = guardian_events(mgmt, user_id, 5)
    assert [(log["type"], log["details"]["factor"]) for log in events] == [
        ("gd_auth_failed", "otp"),
        ("gd_enrollment_complete", "otp"),
        ("gd_recovery_failed", "recovery-code"),
        ("gd_recovery_succeed", "recovery-code"),
        ("gd_auth_succeed", "otp"),
    ]
    for log in events:
        assert (log["client_id"], log["client_name"]) == (app["client_id"], "Guardian Logs")
        assert log["description"] and log["ip"] == "127.0.0.1"
    assert events[1]["user_name"] == "guardian-grants@example.com"


def test_too_many_wrong_codes(mgmt: Management, app: dict[str, Any]) -> None:
    server = mgmt.server
    user_id = new_user(server, "guardian-locked@example.com")
    first = mfa_required(server, app, "guardian-locked@example.com")["mfa_token"]
    secret, now = associate(server, first).json()["secret"], time.time()
    mfa_grant(server, app, MFA_OTP, mfa_token=first, otp=rfc6238(secret, now))
    pending = mfa_required(server, app, "guardian-locked@example.com")["mfa_token"]
    wrong = not_a_code(secret, now)
    for _ in range(10):
        refused(MFA_OTP, server, app, mfa_token=pending, otp=wrong)

    types = [log["type"] for log in guardian_events(mgmt, user_id, 11)]
    assert types == ["gd_enrollment_complete", *["gd_auth_failed"] * 9, "gd_otp_rate_limit_exceed"]


def test_the_hosted_page_and_the_mfa_api(mgmt: Management, app: dict[str, Any]) -> None:
    """The hosted page's enrolment (a wrong code, then the right one), then an MFA API token that
    removes the authenticator app."""
    server = mgmt.server
    email = "guardian-hosted@example.com"
    user_id = new_user(server, email)
    browser = Browser(server)
    page = browser.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
    form = {
        name: hidden(page, name)
        for name in ("state", "mfa_token", "secret", "barcode_uri", "shown_recovery_code")
    }
    now = time.time()
    wrong = not_a_code(form["secret"], now)
    assert browser.request("POST", "/u/mfa", data={**form, "code": wrong}).status_code == 400
    # An answer the Worker refuses without asking the user's object names nobody: no event.
    forged = {"state": form["state"], "mfa_token": form["mfa_token"], "factor": "webauthn-roaming"}
    unasked = {**forged, "enroll": "1", "challenge": "garbage", "credential": "{}"}
    assert browser.request("POST", "/u/mfa", data=unasked).status_code == 400
    done = browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(form["secret"], now)})
    assert redirect_params(done)["code"]

    token = mfa_api_token(server, app, email, form["secret"], now + 30, SCOPES)
    with server.client() as http:
        listing = http.get("/mfa/authenticators", headers={"Authorization": f"Bearer {token}"}).json()
    otp = next(entry for entry in listing if entry["authenticator_type"] == "otp")
    assert removed(server, token, otp["id"]).status_code == 204

    events = guardian_events(mgmt, user_id, 4)
    assert [(log["type"], log["details"]["factor"]) for log in events] == [
        ("gd_auth_failed", "otp"),
        ("gd_enrollment_complete", "otp"),
        ("gd_auth_succeed", "otp"),  # the MFA API token's second factor
        ("gd_unenroll", "otp"),
    ]
    assert {log["client_id"] for log in events} == {app["client_id"]}
    with mgmt.api() as api:
        assert api.get("/logs", params={"q": "type:gd_webauthn_enrollment_failed"}).json() == []


def test_the_email_factors_code_sent(mgmt: Management, app: dict[str, Any]) -> None:
    server = mgmt.server
    server.cli("tenants", "update", "--mfa", "email")
    try:
        email = "guardian-email@example.com"
        user_id = new_user(server, email, "--email-verified")
        pending = mfa_required(server, app, email)["mfa_token"]
        with server.client() as http:
            asked = http.post(
                "/mfa/challenge",
                json={"client_id": app["client_id"], "mfa_token": pending, "challenge_type": "oob"},
            )
        assert asked.status_code == 200, asked.text
    finally:
        server.cli("tenants", "update", "--mfa", "otp,recovery-code")
    [sent] = guardian_events(mgmt, user_id, 1)
    assert (sent["type"], sent["details"]["factor"], sent["user_name"]) == ("gd_send_email", "email", email)


@pytest.mark.parametrize(
    ("factor", "refusal", "enrolled", "enrolling", "event"),
    [
        ("otp", None, False, False, "gd_auth_succeed"),
        ("email", None, False, False, "gd_auth_succeed"),
        ("otp", None, True, True, "gd_enrollment_complete"),
        ("webauthn-roaming", None, True, True, "gd_enrollment_complete"),
        ("recovery-code", None, False, False, "gd_recovery_succeed"),
        ("otp", Refusal.WRONG_OTP, False, True, "gd_auth_failed"),
        ("email", Refusal.WRONG_CODE, False, False, "gd_auth_failed"),
        ("email", Refusal.MFA_LOCKED, False, False, "gd_otp_rate_limit_exceed"),
        ("recovery-code", Refusal.WRONG_RECOVERY_CODE, False, False, "gd_recovery_failed"),
        ("recovery-code", Refusal.MFA_LOCKED, False, False, "gd_recovery_rate_limit_exceed"),
        ("webauthn-platform", Refusal.WRONG_CREDENTIAL, False, False, "gd_webauthn_challenge_failed"),
        ("webauthn-roaming", Refusal.WRONG_CREDENTIAL, False, True, "gd_webauthn_enrollment_failed"),
        ("otp", Refusal.INVALID_MFA_TOKEN, False, False, None),  # the login's, not the factor's
        ("otp", Refusal.FACTOR_DISABLED, False, False, None),
        ("webauthn-roaming", Refusal.ALREADY_ENROLLED, False, True, None),
        ("otp", Refusal.BLOCKED, False, False, None),
    ],
)
def test_which_event_an_answer_makes(
    factor: str, refusal: Refusal | None, enrolled: bool, enrolling: bool, event: str | None
) -> None:
    assert answer_type(factor, refusal, enrolled=enrolled, enrolling=enrolling) == event


def test_the_factor_of_an_authenticator_id() -> None:
    assert [factor_of(name) for name in ("totp|dev_a", "recovery-code|dev_b", "webauthn-platform|dev_c")] == [
        "otp",
        "recovery-code",
        "webauthn-platform",
    ]
