"""MFA settings and a user's second factors through Auth0's Management API: `/guardian/factors`,
`/guardian/policies` (logins follow at once), `/users/{id}/authentication-methods`,
`/users/{id}/authenticators`, `/users/{id}/recovery-code-regeneration`; raw HTTP and the official
auth0-python `ManagementClient`."""

from __future__ import annotations

import re
import ssl
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from auth0.authentication.exceptions import Auth0Error
from auth0.management import ManagementClient

from edgeauth.runtime.local.process import ServerProcess
from tests.browser import Browser, code_query, pkce_pair
from tests.conftest import Server
from tests.mail_support import email_link, last_email
from tests.management.conftest import Management
from tests.management.test_auth0_python import management as management
from tests.management.test_guardian_logs import guardian_events
from tests.test_mfa import (
    MFA_OTP,
    MFA_RECOVERY_CODE,
    PASSWORD,
    PASSWORD_REALM,
    associate,
    hidden,
    hosted_enrolment,
    mfa_grant,
    mfa_required,
    rfc6238,
)

# Auth0's factor names, in the order `GET /guardian/factors` lists them.
FACTORS = "sms push-notification otp email duo webauthn-roaming webauthn-platform recovery-code".split()


@pytest.fixture(scope="module")
def app(mgmt: Management) -> dict[str, Any]:
    grants = f"{PASSWORD_REALM},{MFA_OTP},{MFA_RECOVERY_CODE}"
    return mgmt.server.cli("apps", "create", "--name", "MFA", "--type", "native", "--grants", grants)


def enabled(api: httpx.Client) -> dict[str, bool]:
    return {f["name"]: f["enabled"] for f in api.get("/guardian/factors").json()}


def test_factors_and_policies(mgmt: Management, app: dict[str, Any]) -> None:
    email = "policy@example.com"
    mgmt.server.cli("users", "create", "--email", email, "--password", PASSWORD)
    with mgmt.api() as api:
        listed = api.get("/guardian/factors").json()
        assert [f["name"] for f in listed] == FACTORS and not any(f["enabled"] for f in listed)
        assert api.get("/guardian/policies").json() == []

        assert api.put("/guardian/factors/otp", json={"enabled": True}).json() == {"enabled": True}
        assert api.put("/guardian/factors/recovery-code", json={"enabled": True}).json() == {"enabled": True}
        refused = api.put("/guardian/factors/sms", json={"enabled": True})
        assert refused.status_code == 403 and refused.json()["errorCode"] == "feature_not_enabled"
        assert api.put("/guardian/factors/sms", json={"enabled": False}).status_code == 200
        unknown = api.put("/guardian/factors/carrier-pigeon", json={"enabled": True})
        assert unknown.status_code == 404 and unknown.json()["errorCode"] == "inexistent_factor"
        assert api.put("/guardian/factors/otp", json={"enabled": "yes"}).status_code == 400
        assert enabled(api) == {name: name in ("otp", "recovery-code") for name in FACTORS}
        for name in ("webauthn-roaming", "webauthn-platform"):  # security keys, the device's authenticator
            assert api.put(f"/guardian/factors/{name}", json={"enabled": True}).json() == {"enabled": True}
            assert api.put(f"/guardian/factors/{name}", json={"enabled": False}).json() == {"enabled": False}

        # Factors on, no policy: logins go through without a second factor.
        with mgmt.server.client() as http:
            plain = http.post(
                "/oauth/token",
                data={"grant_type": PASSWORD_REALM, "client_id": app["client_id"], "username": email,
                      "password": PASSWORD, "realm": "Username-Password-Authentication"},
            )  # fmt: skip
        assert plain.status_code == 200, plain.text

        assert api.put("/guardian/policies", json=["all-applications"]).json() == ["all-applications"]
        assert api.get("/guardian/policies").json() == ["all-applications"]
        assert api.put("/guardian/policies", json=["confidence-score"]).json() == ["confidence-score"]
        assert api.get("/guardian/policies").json() == ["confidence-score"]
        assert api.put("/guardian/policies", json=["all-applications"]).json() == ["all-applications"]
        assert api.put("/guardian/policies", json=["sometimes"]).status_code == 400
        assert api.put("/guardian/policies", json="all-applications").status_code == 400
        assert api.get("/guardian/policies").json() == ["all-applications"]  # refusals changed nothing
    pending = mfa_required(mgmt.server, app, email)  # at once
    assert pending["mfa_requirements"] == {"enroll": [{"type": "otp"}]}


def enroll(server: Server, app: dict[str, Any], email: str) -> tuple[str, str]:
    """A new user enrolled in OTP through the MFA API: its id and recovery code."""
    user = server.cli("users", "create", "--email", email, "--password", PASSWORD)
    pending = mfa_required(server, app, email)
    answer = associate(server, pending["mfa_token"]).json()
    mfa_grant(
        server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(answer["secret"], time.time())
    )
    return user["user_id"], answer["recovery_codes"][0]


def test_a_users_authentication_methods(mgmt: Management, app: dict[str, Any]) -> None:
    with mgmt.api() as api:  # the policy, whatever order the tests run in
        api.put("/guardian/factors/otp", json={"enabled": True})
        api.put("/guardian/factors/recovery-code", json={"enabled": True})
        api.put("/guardian/policies", json=["all-applications"])
    email = "methods@example.com"
    user_id, recovery_code = enroll(mgmt.server, app, email)
    with mgmt.api() as api:
        methods = api.get(f"/users/{user_id}/authentication-methods").json()
        assert sorted((m["type"], m["confirmed"]) for m in methods) == [
            ("recovery-code", True),
            ("totp", True),
        ]
        paged = api.get(f"/users/{user_id}/authentication-methods", params={"include_totals": "true"}).json()
        assert paged["total"] == 2 and len(paged["authenticators"]) == 2

        regenerated = api.post(f"/users/{user_id}/recovery-code-regeneration").json()["recovery_code"]
        assert len(regenerated) == 24 and regenerated != recovery_code
    pending = mfa_required(mgmt.server, app, email)
    with pytest.raises(Auth0Error):  # the old code is void
        mfa_grant(
            mgmt.server, app, MFA_RECOVERY_CODE, mfa_token=pending["mfa_token"], recovery_code=recovery_code
        )
    assert mfa_grant(
        mgmt.server, app, MFA_RECOVERY_CODE, mfa_token=pending["mfa_token"], recovery_code=regenerated
    )

    with mgmt.api() as api:
        totp = next(
            m for m in api.get(f"/users/{user_id}/authentication-methods").json() if m["type"] == "totp"
        )
        assert api.delete(f"/users/{user_id}/authentication-methods/{totp['id']}").status_code == 204
        gone = api.delete(f"/users/{user_id}/authentication-methods/{totp['id']}")
        assert gone.status_code == 404 and gone.json()["statusCode"] == 404
        assert [m["type"] for m in api.get(f"/users/{user_id}/authentication-methods").json()] == [
            "recovery-code"
        ]
    # Without its authenticator app the user enrolls again at the next login.
    assert mfa_required(mgmt.server, app, email)["mfa_requirements"] == {"enroll": [{"type": "otp"}]}
    with mgmt.api() as api:
        assert api.delete(f"/users/{user_id}/authenticators").status_code == 204
        assert api.get(f"/users/{user_id}/authentication-methods").json() == []
        missing = api.get("/users/auth0|nobody/authentication-methods")
        assert missing.status_code == 404
        scoped = httpx.get(
            f"{mgmt.server.base_url}/api/v2/guardian/factors",
            headers={"Host": mgmt.host, "Authorization": f"Bearer {mgmt.token('read:users')}"},
        )
        assert scoped.status_code == 403  # needs read:guardian_factors


def test_an_authenticator_app_moves_in(mgmt: Management, app: dict[str, Any]) -> None:
    """`POST /users/{id}/authentication-methods` `totp` with the secret a user's app already has
    (a move from another provider): active at once, the app's next code passes the login; other
    kinds and bad secrets are 400, and nothing is stored for them."""
    with mgmt.api() as api:
        api.put("/guardian/factors/otp", json={"enabled": True})
        api.put("/guardian/policies", json=["all-applications"])
    email = "moved-app@example.com"
    user_id = mgmt.server.cli("users", "create", "--email", email, "--password", PASSWORD)["user_id"]
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the 32 base32 characters Auth0 apps carry
    with mgmt.api() as api:
        for bad in ({"type": "phone", "phone_number": "+15550100"}, {"type": "totp", "totp_secret": "short"},
                    {"type": "totp", "totp_secret": "not base32 at all 0189!"}):  # fmt: skip
            refused = api.post(f"/users/{user_id}/authentication-methods", json=bad)
            assert refused.status_code == 400 and refused.json()["errorCode"] == "invalid_body", refused.text
        assert api.get(f"/users/{user_id}/authentication-methods").json() == []
        created = api.post(
            f"/users/{user_id}/authentication-methods", json={"type": "totp", "totp_secret": secret}
        )
        assert created.status_code == 201 and created.json()["type"] == "totp" and created.json()["confirmed"]
        scoped = httpx.post(
            f"{mgmt.server.base_url}/api/v2/users/{user_id}/authentication-methods",
            json={"type": "totp", "totp_secret": secret},
            headers={"Host": mgmt.host, "Authorization": f"Bearer {mgmt.token('read:users')}"},
        )
        assert scoped.status_code == 403  # needs create:authentication_methods
    pending = mfa_required(mgmt.server, app, email)
    assert pending["mfa_requirements"] == {"challenge": [{"type": "otp"}]}
    assert mfa_grant(
        mgmt.server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(secret, time.time())
    )


def test_the_official_management_client(
    management: ManagementClient, tls_server: tuple[ServerProcess, Path]
) -> None:
    process, ca_path = tls_server
    server = Server(process, "local")
    assert {f.name for f in management.guardian.factors.list()} == set(FACTORS)
    assert management.guardian.factors.set("otp", enabled=True).enabled is True
    management.guardian.factors.set("recovery-code", enabled=True)
    assert list(management.guardian.policies.set(request=["all-applications"])) == ["all-applications"]
    assert list(management.guardian.policies.list()) == ["all-applications"]

    grants = f"{PASSWORD_REALM},{MFA_OTP}"
    app = server.cli("apps", "create", "--name", "SDK MFA", "--type", "native", "--grants", grants)
    email = "sdk-mfa@example.com"
    user_id = server.cli("users", "create", "--email", email, "--password", PASSWORD)["user_id"]
    login = {"client_id": app["client_id"], "username": email, "password": PASSWORD}
    tls = ssl.create_default_context(cafile=str(ca_path))
    with httpx.Client(base_url=process.base_url, verify=tls, headers={"Host": server.domain}) as http:
        realm = {"grant_type": PASSWORD_REALM, "realm": "Username-Password-Authentication", **login}
        mfa_token = http.post("/oauth/token", data=realm).json()["mfa_token"]
        bearer = {"Authorization": f"Bearer {mfa_token}"}
        enrolled = http.post("/mfa/associate", json={"authenticator_types": ["otp"]}, headers=bearer)
        secret = enrolled.json()["secret"]
        otp = {"grant_type": MFA_OTP, "client_id": app["client_id"], "mfa_token": mfa_token}
        assert http.post("/oauth/token", data={**otp, "otp": rfc6238(secret, time.time())}).status_code == 200

    methods = list(management.users.authentication_methods.list(user_id))
    assert sorted(m.type for m in methods) == ["recovery-code", "totp"]
    assert all(m.confirmed and m.created_at.year >= 2026 for m in methods)
    management.users.authenticators.delete_all(user_id)
    assert list(management.users.authentication_methods.list(user_id)) == []


def test_custom_text_of_the_mfa_screens(mgmt: Management, app: dict[str, Any]) -> None:
    """Auth0's `mfa-otp` prompt's screens take the tenant's words (`PUT /prompts/mfa-otp/custom-text/fr`),
    in their language only."""
    with mgmt.api() as api:
        api.put("/guardian/factors/otp", json={"enabled": True})
        api.put("/guardian/factors/recovery-code", json={"enabled": True})
        api.put("/guardian/policies", json=["all-applications"])
        texts = {"mfa-otp-challenge": {"title": "Prouvez-le", "description": "Le code de ${companyName}."}}
        assert api.put("/prompts/mfa-otp/custom-text/fr", json=texts).status_code == 200
    callback = "https://mfa-text.example/callback"
    spa = mgmt.server.cli("apps", "create", "--name", "Texts", "--type", "spa", "--callbacks", callback)
    email = "custom-text-mfa@example.com"
    mgmt.server.cli("users", "create", "--email", email, "--password", PASSWORD)
    hosted_enrolment(mgmt.server, spa, email, callback=callback)
    for language, expected, absent in (
        ("fr", "Prouvez-le", "Verify your identity"),
        ("en", "Verify your identity", "Prouvez-le"),
    ):
        browser = Browser(mgmt.server)
        query = code_query(spa["client_id"], callback, pkce_pair()[1], ui_locales=language)
        page = browser.login(query, email, PASSWORD)
        assert expected in page.text and absent not in page.text


def test_an_enrollment_ticket(mgmt: Management, app: dict[str, Any]) -> None:
    """Auth0's `POST /guardian/enrollments/ticket`: a link (emailed too) on which the user sets up an
    authenticator app without logging in; it works once; the next login asks for the app's code."""
    with mgmt.api() as api:
        for factor in ("otp", "recovery-code"):
            api.put(f"/guardian/factors/{factor}", json={"enabled": True})
        api.put("/guardian/policies", json=["all-applications"])
    email = "invited@example.com"
    user_id = mgmt.server.cli("users", "create", "--email", email, "--password", PASSWORD)["user_id"]
    with mgmt.api() as api:
        assert api.post("/guardian/enrollments/ticket", json={}).status_code == 400
        assert api.post("/guardian/enrollments/ticket", json={"user_id": "auth0|nobody"}).status_code == 404
        made = api.post("/guardian/enrollments/ticket", json={"user_id": user_id})
        assert made.status_code == 200, made.text
    ticket = made.json()
    url = urlsplit(ticket["ticket_url"])
    assert url.netloc == mgmt.host and url.path == "/u/mfa-enrollment" and len(ticket["ticket_id"]) == 24
    assert email_link(mgmt.server, email) == f"{url.path}?{url.query}"  # the invitation

    browser = Browser(mgmt.server)
    page = browser.request("GET", f"{url.path}?{url.query}")
    secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', page.text)
    assert page.status_code == 200 and secret, page.text
    form = {"ticket": hidden(page, "ticket"), "secret": secret[1], "barcode_uri": hidden(page, "barcode_uri")}
    wrong = browser.request("POST", "/u/mfa-enrollment", data={**form, "code": "000000"})
    assert wrong.status_code == 400 and secret[1] in wrong.text
    # A body no form of ours posts is the page's refusal, never a 500, and the ticket still holds.
    for bad in (
        {"content": b"code=1", "headers": {"Content-Type": "text/plain"}},
        {"json": {**form, "code": 1}},
    ):
        assert browser.request("POST", "/u/mfa-enrollment", **bad).status_code == 400
    done = browser.request(
        "POST", "/u/mfa-enrollment", data={**form, "code": rfc6238(secret[1], time.time())}
    )
    assert done.status_code == 200 and "Your authenticator app is set up" in done.text
    assert browser.request("GET", f"{url.path}?{url.query}").status_code == 400  # once
    logged = [(log["type"], log.get("user_name")) for log in guardian_events(mgmt, user_id, 2)]
    assert logged == [("gd_auth_failed", None), ("gd_enrollment_complete", email)]
    assert mfa_required(mgmt.server, app, email)["mfa_requirements"] == {"challenge": [{"type": "otp"}]}


def test_an_import_or_a_login_enrolment_voids_what_was_shown_before(
    mgmt: Management, app: dict[str, Any]
) -> None:
    """A recovery code someone with the password saw at an unconfirmed `/mfa/associate` dies with
    an imported app; an enrollment ticket dies when the user enrolls another way."""
    with mgmt.api() as api:
        for factor in ("otp", "recovery-code"):
            api.put(f"/guardian/factors/{factor}", json={"enabled": True})
        api.put("/guardian/policies", json=["all-applications"])
    email = "voided@example.com"
    user_id = mgmt.server.cli("users", "create", "--email", email, "--password", PASSWORD)["user_id"]
    seen = associate(mgmt.server, mfa_required(mgmt.server, app, email)["mfa_token"]).json()[
        "recovery_codes"
    ][0]
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with mgmt.api() as api:
        ticket = api.post(
            "/guardian/enrollments/ticket", json={"user_id": user_id, "send_mail": False}
        ).json()
        assert api.post(
            f"/users/{user_id}/authentication-methods", json={"type": "totp", "totp_secret": secret}
        )
    pending = mfa_required(mgmt.server, app, email)
    assert mfa_grant(
        mgmt.server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(secret, time.time())
    )
    again = mfa_required(mgmt.server, app, email)["mfa_token"]
    with pytest.raises(Auth0Error):
        mfa_grant(mgmt.server, app, MFA_RECOVERY_CODE, mfa_token=again, recovery_code=seen)
    url = urlsplit(ticket["ticket_url"])
    assert Browser(mgmt.server).request("GET", f"{url.path}?{url.query}").status_code == 400


def test_the_tenants_mfa_email(mgmt: Management, app: dict[str, Any]) -> None:
    """Auth0's `mfa_oob_code` email template, set through `/email-templates`, is the email factor's."""
    grants = f"{PASSWORD_REALM},http://auth0.com/oauth/grant-type/mfa-oob"
    oob_app = mgmt.server.cli("apps", "create", "--name", "OOB", "--type", "native", "--grants", grants)
    with mgmt.api() as api:
        api.put("/guardian/factors/email", json={"enabled": True})
        api.put("/guardian/policies", json=["all-applications"])
        template = {"template": "mfa_oob_code", "body": "<p>Acme code: {{ code }}</p>",
                    "from": "mfa@acme.test", "subject": "Acme verification", "enabled": True}  # fmt: skip
        assert api.post("/email-templates", json=template).status_code == 201
    email = "acme-mfa@example.com"
    mgmt.server.cli("users", "create", "--email", email, "--password", PASSWORD, "--email-verified")
    pending = mfa_required(mgmt.server, oob_app, email)
    with mgmt.server.client() as http:
        body = {"client_id": oob_app["client_id"], "mfa_token": pending["mfa_token"], "challenge_type": "oob"}
        assert http.post("/mfa/challenge", json=body).status_code == 200
    sent = last_email(mgmt.server, email)
    assert sent["subject"] == "Acme verification" and re.search(r"Acme code: \d{6}", sent["text"])
