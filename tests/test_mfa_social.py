"""MFA after a social (OIDC) login, both runtimes: with the tenant requiring a second factor, the
provider's answer at `/login/callback` leads to the hosted page's enrolment (a new user) or
challenge, and the login completes only with the factor; an identity that joins an existing user
by verified email is attached only when the second factor passes, so a login that stops at the
second factor links nothing."""

from __future__ import annotations

import re
import time

import httpx
import jwt
import pytest
from auth0.authentication import GetToken

from tests.browser import Browser, redirect_params
from tests.conftest import Server
from tests.management.conftest import grant_management
from tests.test_mfa import hidden, rfc6238
from tests.upstream_support import CALLBACK, Setup, make_upstream, social_callback


@pytest.fixture(scope="module")
def setup(server: Server) -> Setup:
    made = make_upstream(server)
    server.cli("tenants", "update", "--mfa", "otp")
    return made


def enrolled_by_code(down: Browser, page: httpx.Response) -> dict[str, str]:
    """The enrolment page's key → the app's code → back to the app: its redirect's parameters."""
    secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', page.text)
    assert secret, page.text
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token")}
    return redirect_params(
        down.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret[1], time.time())})
    )


def test_a_new_social_user_enrolls_a_second_factor(server: Server, setup: Setup) -> None:
    down, page, verifier = social_callback(server, setup, "fresh@example.com")
    assert page.status_code == 200 and 'id="secret"' in page.text and "edgeauth_session" not in down.cookies
    params = enrolled_by_code(down, page)
    tokens = GetToken(server.domain, setup.app["client_id"], protocol="http").authorization_code_pkce(
        verifier, params["code"], CALLBACK
    )
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["sub"].startswith("oidc|") and claims["amr"] == ["mfa"]


def test_a_joining_identity_is_attached_only_after_the_second_factor(server: Server, setup: Setup) -> None:
    user_id = setup.database_user["user_id"]

    def providers() -> set[str]:
        with grant_management(server).api() as api:
            return {i["provider"] for i in api.get(f"/users/{user_id}").json()["identities"]}

    _, stopped, _ = social_callback(server, setup, "linked@example.com")
    assert stopped.status_code == 200 and 'id="secret"' in stopped.text
    if server.mode == "local":  # the edge host serves no /api/v2
        assert providers() == {"auth0"}
    down, page, verifier = social_callback(server, setup, "linked@example.com")
    params = enrolled_by_code(down, page)
    tokens = GetToken(server.domain, setup.app["client_id"], protocol="http").authorization_code_pkce(
        verifier, params["code"], CALLBACK
    )
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["sub"] == user_id
    if server.mode == "local":
        assert providers() == {"auth0", "oidc"}
