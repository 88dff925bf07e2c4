"""MFA through Auth0's MFA API, in both runtimes: with the tenant's policy on, auth0-python's
password login answers `mfa_required` with an mfa_token; `/mfa/associate` (as auth0-spa-js's MFA
client sends it) enrolls an authenticator app; a TOTP code this test computes by RFC 6238 itself
completes the login through the `mfa-otp` grant (refresh token, `amr: ["mfa"]`); a code is good
once; the recovery code works once and is replaced; wrong codes lock one factor, not the other;
a second authenticator cannot be added with the password alone; the hosted page enrolls and
challenges; logins that cannot ask for a second factor (embedded auth0.js) are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from auth0.authentication import GetToken
from auth0.authentication.exceptions import Auth0Error

from edgeauth.mfa import totp
from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server

PASSWORD = "second factor please"
DATABASE = "Username-Password-Authentication"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"
MFA_RECOVERY_CODE = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
SPA_ORIGIN = "https://spa.example"
CALLBACK = f"{SPA_ORIGIN}/callback"


def rfc6238(secret: str, at: float, step_offset: int = 0) -> str:
    """RFC 6238 written out here (not edgeauth's): HMAC-SHA-1 over the 30-second counter."""
    counter = int(at) // 30 + step_offset
    mac = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


@pytest.fixture(scope="module")
def app(server: Server) -> dict[str, Any]:
    """MFA required for every login (otp and recovery codes); a native app with the MFA grants."""
    server.cli("tenants", "update", "--mfa", "otp,recovery-code")
    grants = [PASSWORD_REALM, MFA_OTP, MFA_RECOVERY_CODE, "refresh_token", "authorization_code"]
    return server.cli(
        "apps", "create", "--name", "Second Factor", "--type", "native", "--grants", ",".join(grants),
        "--callbacks", CALLBACK, "--web-origins", SPA_ORIGIN,
    )  # fmt: skip


def user(server: Server, email: str) -> str:
    server.cli("users", "create", "--email", email, "--password", PASSWORD)
    return email


def get_token(server: Server, app: dict[str, Any]) -> GetToken:
    return GetToken(server.domain, app["client_id"], protocol="http")


def mfa_required(server: Server, app: dict[str, Any], email: str) -> dict[str, Any]:
    """auth0-python's password-realm login, refused with Auth0's `mfa_required` body."""
    with pytest.raises(Auth0Error) as refused:
        get_token(server, app).login(email, PASSWORD, realm=DATABASE, scope="openid email offline_access")
    assert (refused.value.status_code, refused.value.error_code) == (403, "mfa_required")
    assert refused.value.message == "Multifactor authentication required"
    body: dict[str, Any] = refused.value.content  # the SDK keeps the body for mfa_required
    assert body["mfa_token"]
    return body


def mfa_grant(server: Server, app: dict[str, Any], grant_type: str, **fields: str) -> dict[str, Any]:
    """An MFA grant through auth0-python's own authenticated token request."""
    sdk = get_token(server, app)
    url = f"{sdk.protocol}://{sdk.domain}/oauth/token"
    data = {"client_id": sdk.client_id, "grant_type": grant_type, **fields}
    result: dict[str, Any] = sdk.authenticated_post(url, data=data)
    return result


def associate(server: Server, mfa_token: str) -> httpx.Response:
    """`POST /mfa/associate` exactly as auth0-spa-js's MFA client sends it."""
    with server.client() as http:
        return http.post(
            "/mfa/associate",
            json={"authenticator_types": ["otp"]},
            headers={"Authorization": f"Bearer {mfa_token}", "Origin": SPA_ORIGIN},
        )


def authenticators(server: Server, mfa_token: str) -> httpx.Response:
    with server.client() as http:
        return http.get(
            "/mfa/authenticators",
            headers={"Authorization": f"Bearer {mfa_token}", "Content-Type": "application/json"},
        )


def enrolled(server: Server, app: dict[str, Any], email: str) -> tuple[str, str, float]:
    """A user enrolled through the MFA API: its TOTP secret, recovery code, and when it enrolled."""
    pending = mfa_required(server, app, email)
    answer = associate(server, pending["mfa_token"]).json()
    now = time.time()
    mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(answer["secret"], now))
    return answer["secret"], answer["recovery_codes"][0], now


def test_totp_matches_rfc_6238s_test_vectors() -> None:
    """RFC 6238 Appendix B (SHA-1 seed "12345678901234567890"), the six low digits."""
    secret = base64.b32encode(b"12345678901234567890").decode()
    for at, eight_digits in ((59, "94287082"), (1111111109, "07081804"), (2000000000, "69279037")):
        assert totp.hotp(base64.b32decode(secret), at // 30) == eight_digits[2:]
        assert rfc6238(secret, at) == eight_digits[2:]


def test_enrollment_and_otp_complete_a_password_login(server: Server, app: dict[str, Any]) -> None:
    email = user(server, "ada@example.com")
    pending = mfa_required(server, app, email)
    assert pending["mfa_requirements"] == {"enroll": [{"type": "otp"}]}

    enrollment = associate(server, pending["mfa_token"])
    assert enrollment.status_code == 200, enrollment.text
    assert enrollment.headers["access-control-allow-origin"] == SPA_ORIGIN
    body = enrollment.json()
    assert set(body) == {"authenticator_type", "secret", "barcode_uri", "recovery_codes"}
    assert body["authenticator_type"] == "otp" and len(body["secret"]) == 32
    uri = urlsplit(body["barcode_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    query = {k: v[0] for k, v in parse_qs(uri.query).items()}
    assert query == {
        "secret": body["secret"],
        "issuer": "default",
        "algorithm": "SHA1",
        "digits": "6",
        "period": "30",
    }
    assert uri.path == "/default:ada@example.com"
    (recovery_code,) = body["recovery_codes"]
    assert len(recovery_code) == 24 and recovery_code.isalnum() and recovery_code.isupper()

    listed = authenticators(server, pending["mfa_token"])
    assert listed.status_code == 200, listed.text
    assert sorted((a["authenticator_type"], a["active"]) for a in listed.json()) == [
        ("otp", False),
        ("recovery-code", False),  # both become active with the app's first code
    ]
    with pytest.raises(Auth0Error) as wrong:
        mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp="12345")
    assert (wrong.value.status_code, wrong.value.error_code) == (403, "invalid_grant")
    assert wrong.value.message == "Invalid otp_code."

    code = rfc6238(body["secret"], time.time())
    tokens = mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=code)
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["amr"] == ["mfa"] and claims["email"] == email
    assert tokens["refresh_token"] and tokens["scope"] == "openid email offline_access"
    assert get_token(server, app).refresh_token(tokens["refresh_token"])["access_token"]

    with pytest.raises(Auth0Error) as spent:  # the mfa_token is spent once the login is done
        mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=code)
    assert spent.value.message == "Malformed mfa_token"

    again = mfa_required(server, app, email)  # enrolled now: challenged, not enrolled
    assert again["mfa_requirements"] == {"challenge": [{"type": "otp"}]}
    assert [a["active"] for a in authenticators(server, again["mfa_token"]).json()] == [True, True]
    with pytest.raises(Auth0Error) as replayed:  # the same code, a new login: refused
        mfa_grant(server, app, MFA_OTP, mfa_token=again["mfa_token"], otp=code)
    assert replayed.value.message == "Invalid otp_code."
    next_code = rfc6238(body["secret"], time.time(), step_offset=1)  # the next step, within the window
    assert mfa_grant(server, app, MFA_OTP, mfa_token=again["mfa_token"], otp=next_code)["access_token"]


def test_a_second_authenticator_needs_the_first(server: Server, app: dict[str, Any]) -> None:
    """With the password alone (an mfa_token), nobody can add an authenticator to an enrolled user."""
    email = user(server, "grace@example.com")
    enrolled(server, app, email)
    pending = mfa_required(server, app, email)
    refused = associate(server, pending["mfa_token"])
    assert refused.status_code == 403, refused.text
    assert refused.json() == {"error": "access_denied", "error_description": "User is already enrolled."}


def test_the_recovery_code_works_once_and_is_replaced(server: Server, app: dict[str, Any]) -> None:
    email = user(server, "edsger@example.com")
    _, recovery_code, _ = enrolled(server, app, email)
    pending = mfa_required(server, app, email)
    tokens = mfa_grant(
        server, app, MFA_RECOVERY_CODE, mfa_token=pending["mfa_token"], recovery_code=recovery_code
    )
    assert tokens["access_token"] and tokens["recovery_code"] != recovery_code
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]

    pending = mfa_required(server, app, email)
    with pytest.raises(Auth0Error) as used:
        mfa_grant(server, app, MFA_RECOVERY_CODE, mfa_token=pending["mfa_token"], recovery_code=recovery_code)
    assert (used.value.error_code, used.value.message) == ("invalid_grant", "Invalid recovery_code.")
    replacement = tokens["recovery_code"]
    assert mfa_grant(
        server, app, MFA_RECOVERY_CODE, mfa_token=pending["mfa_token"], recovery_code=replacement
    )


def test_wrong_codes_lock_that_factor_only(server: Server, app: dict[str, Any]) -> None:
    email = user(server, "barbara@example.com")
    secret, recovery_code, _ = enrolled(server, app, email)
    pending = mfa_required(server, app, email)
    good = {rfc6238(secret, time.time(), offset) for offset in (-1, 0, 1)}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in good)
    for _ in range(9):
        with pytest.raises(Auth0Error) as refused:
            mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=wrong)
        assert refused.value.error_code == "invalid_grant"
    with pytest.raises(Auth0Error) as locked:
        mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=wrong)
    assert (locked.value.status_code, locked.value.error_code) == (429, "too_many_attempts")
    with pytest.raises(Auth0Error) as still_locked:  # the right code too, while it is locked
        mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(secret, time.time(), 1))
    assert still_locked.value.error_code == "too_many_attempts"
    # The owner still has the other factor.
    assert mfa_grant(
        server, app, MFA_RECOVERY_CODE, mfa_token=pending["mfa_token"], recovery_code=recovery_code
    )


def test_mfa_tokens_are_bearer_secrets_of_one_login(server: Server, app: dict[str, Any]) -> None:
    email = user(server, "frances@example.com")
    pending = mfa_required(server, app, email)
    assert authenticators(server, "not-a-token").status_code == 401
    forged = pending["mfa_token"][:-4] + "AAAA"
    listed = authenticators(server, forged)
    assert listed.status_code == 401 and listed.json()["error"] == "invalid_token"
    assert associate(server, forged).status_code == 401
    other_app = server.cli("apps", "create", "--name", "Other", "--type", "native", "--grants", MFA_OTP)
    with pytest.raises(Auth0Error) as elsewhere:  # another client cannot finish this login
        mfa_grant(server, other_app, MFA_OTP, mfa_token=pending["mfa_token"], otp="123456")
    assert elsewhere.value.message == "Malformed mfa_token"
    with server.client() as http:
        challenge = http.post(
            "/mfa/challenge",
            json={"client_id": app["client_id"], "mfa_token": pending["mfa_token"], "challenge_type": "otp"},
        )
    assert challenge.status_code == 400  # not enrolled: nothing to challenge
    assert challenge.json()["error"] == "unsupported_challenge_type"


def hidden(page: httpx.Response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert match, page.text
    return unescape(match.group(1))


def test_the_hosted_page_enrolls_then_challenges(server: Server, app: dict[str, Any]) -> None:
    """First login: the QR code, the key and the recovery code, then the app's code (a wrong one
    keeps the same key on the page); the session passed MFA (SSO reuses it, the ID token says
    `amr: ["mfa"]`); another browser is challenged; the form is bound to its browser."""
    email = user(server, "margaret@example.com")
    browser = Browser(server)
    verifier, challenge = pkce_pair()
    query = code_query(app["client_id"], CALLBACK, challenge)
    page = browser.login(query, email, PASSWORD)
    assert page.status_code == 200, page.text
    assert '<svg role="img"' in page.text and "edgeauth_session" not in browser.cookies
    secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', page.text)
    recovery = re.search(r'<code id="recovery-code">([A-Z0-9]{24})</code>', page.text)
    assert secret and recovery
    form = {
        name: hidden(page, name)
        for name in ("state", "mfa_token", "secret", "barcode_uri", "shown_recovery_code")
    }
    good = {rfc6238(secret[1], time.time(), offset) for offset in (-1, 0, 1)}

    stranger = Browser(server).request(
        "POST", "/u/mfa", data={**form, "code": rfc6238(secret[1], time.time())}
    )
    assert stranger.status_code == 400 and "invalid_request" in stranger.text  # no transaction cookie
    wrong = browser.request(
        "POST", "/u/mfa", data={**form, "code": next(c for c in ("000000", "111111") if c not in good)}
    )
    assert wrong.status_code == 400 and secret[1] in wrong.text and 'aria-invalid="true"' in wrong.text
    done = browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret[1], time.time())})
    params = redirect_params(done)
    assert "edgeauth_session" in browser.cookies
    tokens = get_token(server, app).authorization_code_pkce(verifier, params["code"], CALLBACK)
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]
    silent = redirect_params(browser.request("GET", "/authorize", params={**query, "prompt": "none"}))
    assert "code" in silent  # this session passed a second factor: SSO as usual

    other = Browser(server)
    again = other.login(query, email, PASSWORD)
    assert again.status_code == 200 and 'id="secret"' not in again.text and 'name="code"' in again.text
    assert 'id="use-recovery-code"' in again.text  # the enrolment gave this user one
    answer = {"state": hidden(again, "state"), "mfa_token": hidden(again, "mfa_token")}
    assert redirect_params(
        other.request("POST", "/u/mfa", data={**answer, "code": rfc6238(secret[1], time.time(), 1)})
    )["code"]


def test_embedded_logins_are_refused_while_mfa_is_required(server: Server, app: dict[str, Any]) -> None:
    """auth0.js's embedded login (`/co/authenticate`) cannot ask for a second factor: no ticket."""
    email = user(server, "mary@example.com")
    embedded = server.cli(
        "apps", "create", "--name", "Embedded", "--type", "spa", "--callbacks", CALLBACK,
        "--web-origins", SPA_ORIGIN, "--cross-origin",
    )  # fmt: skip
    body = {"client_id": embedded["client_id"], "username": email, "password": PASSWORD,
            "realm": DATABASE, "credential_type": PASSWORD_REALM}  # fmt: skip
    ticket = Browser(server).request("POST", "/co/authenticate", json=body, headers={"Origin": SPA_ORIGIN})
    assert ticket.status_code == 403, ticket.text
    assert ticket.json() == {
        "error": "access_denied",
        "error_description": "Multifactor authentication required",
    }


def test_turning_the_policy_off_lets_logins_through(server: Server, app: dict[str, Any]) -> None:
    email = user(server, "katherine@example.com")
    mfa_required(server, app, email)
    server.cli("tenants", "update", "--mfa", "off")
    try:
        tokens = get_token(server, app).login(email, PASSWORD, realm=DATABASE, scope="openid")
        assert "amr" not in jwt.decode(tokens["id_token"], options={"verify_signature": False})
    finally:
        server.cli("tenants", "update", "--mfa", "otp,recovery-code")
    mfa_required(server, app, email)


def test_sessions_from_before_the_policy_are_not_reused(server: Server, app: dict[str, Any]) -> None:
    """An SSO session that never passed a second factor gets no code once MFA is required; silent
    authentication hears Auth0's `login_required` for MFA."""
    email = user(server, "sophie@example.com")
    browser = Browser(server)
    query = code_query(app["client_id"], CALLBACK, pkce_pair()[1])
    server.cli("tenants", "update", "--mfa", "off")
    try:
        assert redirect_params(browser.login(query, email, PASSWORD))["code"]
        assert redirect_params(browser.request("GET", "/authorize", params={**query, "prompt": "none"}))[
            "code"
        ]
    finally:
        server.cli("tenants", "update", "--mfa", "otp,recovery-code")
    silent = redirect_params(browser.request("GET", "/authorize", params={**query, "prompt": "none"}))
    assert (silent["error"], silent["error_description"]) == (
        "login_required",
        "Multifactor authentication required",
    )
    assert "code" not in silent


def test_refresh_tokens_from_before_the_policy_step_up(server: Server, app: dict[str, Any]) -> None:
    """A refresh token whose login passed no second factor answers `mfa_required` once MFA is
    required; the MFA grant then gives a new family, which rotates with `amr: ["mfa"]`."""
    email = user(server, "hedy@example.com")
    server.cli("tenants", "update", "--mfa", "off")
    try:
        tokens = get_token(server, app).login(email, PASSWORD, realm=DATABASE, scope="openid offline_access")
    finally:
        server.cli("tenants", "update", "--mfa", "otp,recovery-code")
    with pytest.raises(Auth0Error) as step_up:
        get_token(server, app).refresh_token(tokens["refresh_token"])
    assert (step_up.value.status_code, step_up.value.error_code) == (403, "mfa_required")
    mfa_token = step_up.value.content["mfa_token"]
    secret = associate(server, mfa_token).json()["secret"]
    done = mfa_grant(server, app, MFA_OTP, mfa_token=mfa_token, otp=rfc6238(secret, time.time()))
    assert done["scope"] == "openid offline_access" and done["refresh_token"] != tokens["refresh_token"]
    refreshed = get_token(server, app).refresh_token(done["refresh_token"])
    assert jwt.decode(refreshed["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]


def test_parallel_wrong_codes_are_each_counted(server: Server, app: dict[str, Any]) -> None:
    """Wrong codes sent at once still fill the factor's bucket one by one."""
    email = user(server, "radia@example.com")
    secret, _, _ = enrolled(server, app, email)
    pending = mfa_required(server, app, email)
    good = {rfc6238(secret, time.time(), offset) for offset in (-1, 0, 1, 2)}
    wrong = [code for code in (f"{n:06d}" for n in range(100_000, 100_020)) if code not in good][:12]
    form = {"grant_type": MFA_OTP, "client_id": app["client_id"], "mfa_token": pending["mfa_token"]}

    def attempt(code: str) -> int:
        with server.client() as http:
            return http.post("/oauth/token", data={**form, "otp": code}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, wrong))
    assert sorted(statuses) == [403] * 9 + [429] * 3
    with pytest.raises(Auth0Error) as locked:
        mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(secret, time.time()))
    assert locked.value.error_code == "too_many_attempts"


def test_what_ends_an_mfa_token_or_a_factor(server: Server, app: dict[str, Any]) -> None:
    """Another tenant's host, a password change, a factor turned off; form bodies and body tokens
    get Auth0's errors."""
    email = "annie@example.com"
    user_id = server.cli("users", "create", "--email", email, "--password", PASSWORD)["user_id"]
    _, recovery_code, _ = enrolled(server, app, email)
    assert server.cli("users", "get", user_id)["logins_count"] == 1
    pending = mfa_required(server, app, email)
    assert server.cli("users", "get", user_id)["logins_count"] == 1  # a password alone is no login
    server.cli("tenants", "create", "elsewhere")
    with server.client("elsewhere") as http:
        foreign = http.get("/mfa/authenticators", headers={"Authorization": f"Bearer {pending['mfa_token']}"})
    assert foreign.status_code == 401  # the token's object refuses another tenant
    with server.client() as http:
        challenge = http.post(
            "/mfa/challenge",
            json={
                "client_id": app["client_id"],
                "mfa_token": pending["mfa_token"] + "x",
                "challenge_type": "otp",
            },
        )
        assert challenge.status_code == 403, challenge.text
        assert challenge.json() == {"error": "invalid_grant", "error_description": "Malformed mfa_token"}
        as_form = http.post(
            "/mfa/associate",
            data={"authenticator_types": "otp"},
            headers={"Authorization": f"Bearer {pending['mfa_token']}"},
        )
        assert as_form.status_code == 403 and as_form.json()["error"] == "access_denied"  # read, then refused

    server.cli("tenants", "update", "--mfa", "otp")  # recovery codes off
    try:
        with pytest.raises(Auth0Error) as disabled:
            mfa_grant(
                server, app, MFA_RECOVERY_CODE, mfa_token=pending["mfa_token"], recovery_code=recovery_code
            )
        assert disabled.value.message == "This factor is not enabled for the tenant."
    finally:
        server.cli("tenants", "update", "--mfa", "otp,recovery-code")

    server.cli("users", "update", user_id, "--password", "a new password 42")
    assert authenticators(server, pending["mfa_token"]).status_code == 401  # signed out everywhere


def hosted_enrolment(
    server: Server,
    app: dict[str, Any],
    email: str,
    tenant: str | None = None,
    callback: str = CALLBACK,
    password: str = PASSWORD,
) -> tuple[str, str]:
    """A user enrolled through the hosted page, as a browser without JavaScript would: the app's
    key and the recovery code the page showed."""
    browser = Browser(server, tenant=tenant)
    page = browser.login(code_query(app["client_id"], callback, pkce_pair()[1]), email, password)
    secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', page.text)
    recovery = re.search(r'<code id="recovery-code">([A-Z0-9]{24})</code>', page.text)
    assert secret and recovery, page.text
    form = {
        "state": hidden(page, "state"),
        "mfa_token": hidden(page, "mfa_token"),
        "code": rfc6238(secret[1], time.time()),
    }
    assert browser.request("POST", "/u/mfa", data=form).status_code == 302
    return secret[1], recovery[1]


def test_the_hosted_page_takes_the_recovery_code(server: Server, app: dict[str, Any]) -> None:
    """ "Use a recovery code" on the challenge page; the new code is shown once, with the way on."""
    email = user(server, "ida@example.com")
    _, recovery_code = hosted_enrolment(server, app, email)
    browser = Browser(server)
    verifier, challenge = pkce_pair()
    page = browser.login(code_query(app["client_id"], CALLBACK, challenge), email, PASSWORD)
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token"), "factor": "recovery-code"}
    asked = browser.request("POST", "/u/mfa", data=form)
    assert asked.status_code == 200 and 'id="recovery"' in asked.text and 'id="code"' not in asked.text
    wrong = browser.request("POST", "/u/mfa", data={**form, "recovery": "A" * 24})
    assert wrong.status_code == 400 and 'aria-invalid="true"' in wrong.text
    done = browser.request("POST", "/u/mfa", data={**form, "recovery": recovery_code.lower()})
    assert done.status_code == 200, done.text
    new_code = re.search(r'<code id="new-recovery-code">([A-Z0-9]{24})</code>', done.text)
    assert new_code and new_code[1] != recovery_code
    link = re.search(r'<a id="continue" href="([^"]+)"', done.text)
    assert link and "edgeauth_session" in browser.cookies
    params = parse_qs(urlsplit(unescape(link[1])).query)
    tokens = get_token(server, app).authorization_code_pkce(verifier, params["code"][0], CALLBACK)
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]
    # The old code is spent, the new one works.
    again = Browser(server)
    page = again.login(code_query(app["client_id"], CALLBACK, challenge), email, PASSWORD)
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token"), "factor": "recovery-code"}
    assert again.request("POST", "/u/mfa", data={**form, "recovery": recovery_code}).status_code == 400
    assert again.request("POST", "/u/mfa", data={**form, "recovery": new_code[1]}).status_code == 200


def test_acr_values_ask_for_mfa_on_one_login(server: Server, app: dict[str, Any]) -> None:
    """Factors on, no policy: a login asking `acr_values=…/multi-factor` gets the second factor and
    an ID token with `acr` and `amr`; one without it logs in as before; a session that did not
    pass MFA is not reused for such a request; an implicit request asking for it is refused."""
    email = user(server, "grace.hopper@example.com")
    server.cli("tenants", "update", "--mfa-policy", "never")
    try:
        browser = Browser(server)
        plain = browser.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
        assert redirect_params(plain)["code"]  # no second factor asked
        verifier, challenge = pkce_pair()
        query = code_query(app["client_id"], CALLBACK, challenge, acr_values=MFA_ACR)
        silent = redirect_params(browser.request("GET", "/authorize", params={**query, "prompt": "none"}))
        assert (silent["error"], silent["error_description"]) == (
            "login_required",
            "Multifactor authentication required",
        )
        asked = Browser(server)
        page = asked.login(query, email, PASSWORD)
        secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', page.text)
        assert page.status_code == 200 and secret, page.text
        answer = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token")}
        done = asked.request("POST", "/u/mfa", data={**answer, "code": rfc6238(secret[1], time.time())})
        tokens = get_token(server, app).authorization_code_pkce(
            verifier, redirect_params(done)["code"], CALLBACK
        )
        claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        assert (claims["acr"], claims["amr"]) == (MFA_ACR, ["mfa"])
        spa = server.cli(
            "apps", "create", "--name", "Implicit", "--type", "spa", "--callbacks", CALLBACK,
            "--grants", "implicit,authorization_code",
        )  # fmt: skip
        implicit = {**query, "client_id": spa["client_id"], "response_type": "id_token", "nonce": "n"}
        implicit.pop("code_challenge"), implicit.pop("code_challenge_method")
        refused = redirect_params(Browser(server).request("GET", "/authorize", params=implicit))
        assert refused["error"] == "invalid_request"
    finally:
        server.cli("tenants", "update", "--mfa-policy", "all-applications")


def test_a_remembered_browser_skips_the_second_factor(server: Server, app: dict[str, Any]) -> None:
    """ "Remember this browser for 30 days" on the challenge: that browser's next logins of this
    user need no code (the ID token still says `amr: ["mfa"]`); another user in it, a login for the
    MFA API, or the same user after a password change, is asked again; the tenant can turn the
    choice off."""
    email = "remembered@example.com"
    user_id = server.cli("users", "create", "--email", email, "--password", PASSWORD)["user_id"]
    other_email = user(server, "not-remembered@example.com")
    secret, _ = hosted_enrolment(server, app, email)
    hosted_enrolment(server, app, other_email)
    query = code_query(app["client_id"], CALLBACK, pkce_pair()[1])
    browser = Browser(server)
    page = browser.login(query, email, PASSWORD)
    assert "Remember this browser for 30 days" in page.text
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token"), "remember": "1"}
    redirect_params(browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret, time.time(), 1)}))
    remembered = next(cookie for cookie in browser.jar if cookie.name == "edgeauth_mfa_browser")
    assert remembered.has_nonstandard_attr("HttpOnly") and not remembered.secure  # http here

    def in_that_browser() -> Browser:
        fresh = Browser(server)  # no session: only the remembered browser's cookie
        fresh.jar.set_cookie(remembered)
        return fresh

    verifier, challenge = pkce_pair()
    params = redirect_params(
        in_that_browser().login(code_query(app["client_id"], CALLBACK, challenge), email, PASSWORD)
    )
    tokens = get_token(server, app).authorization_code_pkce(verifier, params["code"], CALLBACK)
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]
    assert 'name="code"' in in_that_browser().login(query, other_email, PASSWORD).text
    # Auth0: a remembered browser does not pass the MFA API's second factor.
    for_mfa_api = {**query, "audience": f"{server.origin}/mfa/"}
    assert 'name="code"' in in_that_browser().login(for_mfa_api, email, PASSWORD).text

    server.cli("tenants", "update", "--mfa-remember-days", "0")
    try:
        asked = in_that_browser().login(query, email, PASSWORD)
        assert 'name="code"' in asked.text and 'id="remember"' not in asked.text
    finally:
        server.cli("tenants", "update", "--mfa-remember-days", "30")
    assert "code" in redirect_params(in_that_browser().login(query, email, PASSWORD))
    server.cli("users", "update", user_id, "--password", "a changed password 2")
    assert 'name="code"' in in_that_browser().login(query, email, "a changed password 2").text


def test_a_recovery_code_of_an_unconfirmed_enrolment_is_no_way_in(
    server: Server, app: dict[str, Any]
) -> None:
    """`/mfa/associate` shows a recovery code with the app's key; until the app's first code
    confirms the enrolment, that recovery code opens nothing (the password alone would have
    bought it)."""
    email = user(server, "unconfirmed-recovery@example.com")
    pending = mfa_required(server, app, email)
    answer = associate(server, pending["mfa_token"]).json()
    with pytest.raises(Auth0Error) as refused:
        mfa_grant(
            server,
            app,
            MFA_RECOVERY_CODE,
            mfa_token=pending["mfa_token"],
            recovery_code=answer["recovery_codes"][0],
        )
    assert refused.value.status_code == 403
    mfa_grant(
        server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(answer["secret"], time.time())
    )
    again = mfa_required(server, app, email)
    tokens = mfa_grant(
        server,
        app,
        MFA_RECOVERY_CODE,
        mfa_token=again["mfa_token"],
        recovery_code=answer["recovery_codes"][0],
    )
    assert tokens["recovery_code"]  # confirmed with its enrolment: it works, once


def test_id_tokens_from_authorize_say_mfa(server: Server, app: dict[str, Any]) -> None:
    """An ID token issued at `/authorize` itself (implicit, `response_type=id_token`) for a session
    that passed the second factor carries `amr: ["mfa"]`, as the code flow's does."""
    email = user(server, "implicit-amr@example.com")
    spa = server.cli(
        "apps", "create", "--name", "Implicit AMR", "--type", "spa", "--callbacks", CALLBACK,
        "--grants", "implicit,authorization_code",
    )  # fmt: skip
    browser = Browser(server)
    page = browser.login(code_query(spa["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
    secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', page.text)
    assert secret, page.text
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token")}
    redirect_params(browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret[1], time.time())}))
    implicit = {"client_id": spa["client_id"], "redirect_uri": CALLBACK, "response_type": "id_token",
                "scope": "openid", "nonce": "n", "prompt": "none"}  # fmt: skip
    params = redirect_params(browser.request("GET", "/authorize", params=implicit))
    assert jwt.decode(params["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]
