"""Access tokens for the MFA API (Auth0's audience `https://{domain}/mfa/`), in both runtimes: asking
for one makes a user who has a second factor pass it even when the tenant's policy asks for none
(auth0-python's password login answers `mfa_required`); the token lasts ten minutes and lists
(`read:authenticators`) and removes (`remove:authenticators`) the user's authenticators; an
mfa_token, another API's token, a token without the scope or another tenant's token removes
nothing; a user with no factor gets the token at once. Neither the implicit flow, an SSO session
that passed MFA earlier, nor the mailbox (the email factor) gets around the second factor."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest
from auth0.authentication import GetToken
from auth0.authentication.exceptions import Auth0Error

from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import M2MApp, Server
from tests.test_mfa import (
    CALLBACK,
    DATABASE,
    MFA_ACR,
    MFA_OTP,
    PASSWORD,
    SPA_ORIGIN,
    associate,
    hidden,
    mfa_grant,
    rfc6238,
)

PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
SCOPES = "read:authenticators remove:authenticators"


@pytest.fixture(scope="module")
def app(server: Server) -> dict[str, Any]:
    """otp and recovery codes enabled; the policy turned on or off per test."""
    server.cli("tenants", "update", "--mfa", "otp,recovery-code")
    grants = [PASSWORD_REALM, MFA_OTP, "refresh_token", "authorization_code", "implicit"]
    return server.cli(
        "apps", "create", "--name", "Authenticators", "--type", "native", "--grants", ",".join(grants),
        "--web-origins", SPA_ORIGIN, "--callbacks", CALLBACK,
    )  # fmt: skip


def mfa_audience(server: Server) -> str:
    return f"{server.origin}/mfa/"


def policy(server: Server, name: str) -> None:
    server.cli("tenants", "update", "--mfa-policy", name)


def login(server: Server, app: dict[str, Any], email: str, **options: str) -> dict[str, Any]:
    """auth0-python's password-realm login."""
    sdk = GetToken(server.domain, app["client_id"], protocol="http")
    result: dict[str, Any] = sdk.login(email, PASSWORD, realm=DATABASE, **options)
    return result


def refused_login(server: Server, app: dict[str, Any], email: str, **options: str) -> dict[str, Any]:
    with pytest.raises(Auth0Error) as refused:
        login(server, app, email, **options)
    assert (refused.value.status_code, refused.value.error_code) == (403, "mfa_required")
    body: dict[str, Any] = refused.value.content
    return body


def enrolled_user(
    server: Server, app: dict[str, Any], email: str, *created: str, after: str = "never"
) -> tuple[str, str, float]:
    """A user who enrolled an authenticator app while the policy required MFA (the policy then
    `after`): its id, the app's secret and when."""
    user_id = server.cli("users", "create", "--email", email, "--password", PASSWORD, *created)["user_id"]
    policy(server, "all-applications")
    pending = refused_login(server, app, email, scope="openid")
    secret = associate(server, pending["mfa_token"]).json()["secret"]
    now = time.time()
    mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(secret, now))
    policy(server, after)
    return str(user_id), secret, now


def mfa_api_token(server: Server, app: dict[str, Any], email: str, secret: str, at: float, scope: str) -> str:
    """An MFA API token: the password login asks for the second factor, the code passes it."""
    pending = refused_login(server, app, email, audience=mfa_audience(server), scope=scope)
    assert pending["mfa_requirements"] == {"challenge": [{"type": "otp"}]}
    tokens = mfa_grant(server, app, MFA_OTP, mfa_token=pending["mfa_token"], otp=rfc6238(secret, at))
    return str(tokens["access_token"])


def listed(server: Server, token: str, tenant: str | None = None) -> httpx.Response:
    with server.client(tenant) as http:
        return http.get("/mfa/authenticators", headers={"Authorization": f"Bearer {token}"})


def removed(server: Server, token: str, authenticator_id: str, tenant: str | None = None) -> httpx.Response:
    with server.client(tenant) as http:
        return http.delete(
            f"/mfa/authenticators/{quote(authenticator_id, safe='')}",
            headers={"Authorization": f"Bearer {token}", "Origin": SPA_ORIGIN},
        )


def test_an_mfa_api_token_needs_the_second_factor_then_removes_an_authenticator(
    server: Server, app: dict[str, Any]
) -> None:
    user_id, secret, enrolled_at = enrolled_user(server, app, "remover@example.com")
    assert "access_token" in login(server, app, "remover@example.com", scope="openid")  # the policy: none

    token = mfa_api_token(server, app, "remover@example.com", secret, enrolled_at + 30, SCOPES)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == mfa_audience(server)
    assert claims["scope"] == SCOPES
    assert claims["exp"] - claims["iat"] == 600  # Auth0: ten minutes, not configurable

    authenticators = listed(server, token).json()
    by_type = {a["authenticator_type"]: a for a in authenticators}
    assert set(by_type) == {"otp", "recovery-code"}, authenticators
    assert removed(server, token, "totp|dev_nosuchthing").status_code == 404

    answer = removed(server, token, by_type["otp"]["id"])
    assert answer.status_code == 204, answer.text
    assert answer.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert "otp" not in {a["authenticator_type"] for a in listed(server, token).json()}
    assert removed(server, token, by_type["otp"]["id"]).status_code == 404  # gone once

    # No second factor left: the next MFA API token comes with the password alone.
    again = login(server, app, "remover@example.com", audience=mfa_audience(server), scope=SCOPES)
    assert jwt.decode(again["access_token"], options={"verify_signature": False})["scope"] == SCOPES
    server.cli("users", "update", user_id, "--blocked", "true")
    assert listed(server, again["access_token"]).status_code == 401  # a blocked user's lists nothing


def test_nothing_but_an_mfa_api_token_with_its_scope_removes(server: Server, app: dict[str, Any]) -> None:
    _, secret, enrolled_at = enrolled_user(server, app, "keeper@example.com")
    reader = mfa_api_token(server, app, "keeper@example.com", secret, enrolled_at + 30, "read:authenticators")
    otp = next(a for a in listed(server, reader).json() if a["authenticator_type"] == "otp")

    refused = removed(server, reader, otp["id"])
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]

    # The password alone gives an mfa_token: it lists, it does not remove.
    pending = refused_login(server, app, "keeper@example.com", audience=mfa_audience(server), scope=SCOPES)
    assert listed(server, pending["mfa_token"]).status_code == 200
    assert removed(server, pending["mfa_token"], otp["id"]).status_code == 401

    # A token for another audience (the userinfo one of a login with no audience) removes nothing.
    policy(server, "never")
    plain = login(server, app, "keeper@example.com", scope="openid")["access_token"]
    assert removed(server, plain, otp["id"]).status_code == 401
    assert listed(server, plain).status_code == 401

    # Nor is this tenant's MFA API token anything at another tenant's host (there it would list).
    server.cli("tenants", "create", "elsewhere")
    assert listed(server, reader, tenant="elsewhere").status_code == 401
    assert removed(server, reader, otp["id"], tenant="elsewhere").status_code == 401
    assert otp["id"] in {a["id"] for a in listed(server, reader).json()}  # all of it kept


def test_a_user_without_a_factor_gets_the_token_at_once(server: Server, app: dict[str, Any]) -> None:
    policy(server, "never")
    server.cli("users", "create", "--email", "newcomer@example.com", "--password", PASSWORD)
    tokens = login(server, app, "newcomer@example.com", audience=mfa_audience(server), scope=SCOPES)
    assert listed(server, tokens["access_token"]).json() == []


def test_machines_get_no_mfa_api_token(server: Server) -> None:
    created = server.cli("apps", "create", "--name", "Machine", "--type", "m2m")
    machine = M2MApp(created["client_id"], created["client_secret"], mfa_audience(server), [])
    answer = server.token(machine)
    assert answer.status_code == 403
    assert answer.json()["error"] == "access_denied"


def test_the_delete_preflight_allows_delete(server: Server) -> None:
    with server.client() as http:
        answer = http.options(
            "/mfa/authenticators/totp%7Cdev_x",
            headers={
                "Origin": SPA_ORIGIN,
                "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "authorization",
            },
        )
    assert answer.status_code == 204
    assert "DELETE" in answer.headers["access-control-allow-methods"]
    assert "Authorization" in answer.headers["access-control-allow-headers"]


def test_the_implicit_flow_gets_no_mfa_api_token(server: Server, app: dict[str, Any]) -> None:
    """The second factor is checked where the code flow ends: an implicit request is refused."""
    query = {
        "client_id": app["client_id"], "redirect_uri": CALLBACK, "response_type": "token",
        "audience": mfa_audience(server), "scope": SCOPES, "state": "s",
    }  # fmt: skip
    refused = redirect_params(Browser(server).request("GET", "/authorize", params=query))
    assert refused["error"] == "invalid_request"
    assert "access_token" not in refused


def test_an_earlier_second_factor_of_the_session_does_not_count(server: Server, app: dict[str, Any]) -> None:
    """A session whose login passed MFA (here by `acr_values`) is reused for other requests, not
    for the MFA API: that needs its own second factor."""
    _, secret, enrolled_at = enrolled_user(server, app, "session@example.com")
    browser = Browser(server)
    page = browser.login(
        code_query(app["client_id"], CALLBACK, pkce_pair()[1], acr_values=MFA_ACR),
        "session@example.com",
        PASSWORD,
    )
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token")}
    passed = browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret, enrolled_at + 30)})
    assert "code" in redirect_params(passed)

    again = code_query(app["client_id"], CALLBACK, pkce_pair()[1], acr_values=MFA_ACR, prompt="none")
    assert "code" in redirect_params(browser.request("GET", "/authorize", params=again))
    for_mfa_api = {**again, "audience": mfa_audience(server), "scope": SCOPES}
    refused = redirect_params(browser.request("GET", "/authorize", params=for_mfa_api))
    assert (refused["error"], refused["error_description"]) == (
        "login_required",
        "Multifactor authentication required",
    )


def test_the_mailbox_is_no_second_factor_for_the_mfa_api(server: Server, app: dict[str, Any]) -> None:
    """With the email factor on, a user with an authenticator app is challenged with the app only:
    whoever holds the mailbox (and so can reset the password) cannot remove the app."""
    email = "mailbox@example.com"
    enrolled_user(server, app, email, "--email-verified")
    server.cli("tenants", "update", "--mfa", "otp,email,recovery-code")
    try:
        pending = refused_login(server, app, email, audience=mfa_audience(server), scope=SCOPES)
        assert pending["mfa_requirements"] == {"challenge": [{"type": "otp"}]}
        with server.client() as http:
            emailed = http.post(
                "/mfa/challenge",
                json={
                    "client_id": app["client_id"],
                    "mfa_token": pending["mfa_token"],
                    "challenge_type": "oob",
                },
            )
        assert (emailed.status_code, emailed.json()["error"]) == (400, "unsupported_challenge_type")
    finally:
        server.cli("tenants", "update", "--mfa", "otp,recovery-code")
