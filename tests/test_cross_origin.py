"""Cross-origin authentication (`/co/authenticate` + `/authorize?login_ticket=`), over HTTP.

The real auth0.js drives the same endpoints in tests/test_auth0_js.py."""

from __future__ import annotations

import httpx
import pytest

from tests.browser import Browser, code_query, form_state, pkce_pair, redirect_params
from tests.conftest import Server

EMAIL, PASSWORD = "lin@example.com", "correct horse battery"
ORIGIN = "https://spa.example"
CALLBACK = f"{ORIGIN}/callback"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


@pytest.fixture(scope="module")
def spa(server: Server) -> dict:
    server.cli("users", "create", "--email", EMAIL, "--password", PASSWORD)
    return server.cli(
        "apps",
        "create",
        "--name",
        "Embedded",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--web-origins",
        ORIGIN,
        "--cross-origin",
    )


def co_authenticate(
    browser: Browser, client_id: str, origin: str = ORIGIN, **overrides: str
) -> httpx.Response:
    body = {
        "client_id": client_id,
        "username": EMAIL,
        "password": PASSWORD,
        "realm": "Username-Password-Authentication",
        "credential_type": PASSWORD_REALM,
        **overrides,
    }
    return browser.request("POST", "/co/authenticate", json=body, headers={"Origin": origin})


def test_ticket_logs_in_once_for_its_client(server: Server, spa: dict) -> None:
    browser = Browser(server)
    response = co_authenticate(browser, spa["client_id"])
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert {"login_ticket", "co_verifier", "co_id"} <= set(response.json())
    ticket = response.json()["login_ticket"]

    _, challenge = pkce_pair()
    query = code_query(spa["client_id"], CALLBACK, challenge, state="s1", login_ticket=ticket)
    params = redirect_params(browser.request("GET", "/authorize", params=query))
    assert params["state"] == "s1" and "code" in params
    assert "edgeauth_session" in browser.cookies

    replayed = redirect_params(Browser(server).request("GET", "/authorize", params=query))
    assert replayed["error"] == "access_denied"


def test_a_blocked_users_ticket_reads_as_any_invalid_ticket(server: Server, spa: dict) -> None:
    """Blocked after the ticket was issued: refused, without telling the page the account is blocked."""
    email = "blocked-ticket@example.com"
    user = server.cli("users", "create", "--email", email, "--password", PASSWORD)
    browser = Browser(server)
    ticket = co_authenticate(browser, spa["client_id"], username=email).json()["login_ticket"]
    server.cli("users", "update", user["user_id"], "--blocked", "true")
    _, challenge = pkce_pair()
    query = code_query(spa["client_id"], CALLBACK, challenge, state="s", login_ticket=ticket)
    refused = redirect_params(browser.request("GET", "/authorize", params=query))
    assert (refused["error"], refused["error_description"]) == (
        "access_denied",
        "Invalid or expired login ticket.",
    )


def test_ticket_of_another_client_is_refused(server: Server, spa: dict) -> None:
    other = server.cli(
        "apps",
        "create",
        "--name",
        "Other",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--web-origins",
        ORIGIN,
    )
    ticket = co_authenticate(Browser(server), spa["client_id"]).json()["login_ticket"]
    _, challenge = pkce_pair()
    query = code_query(other["client_id"], CALLBACK, challenge, login_ticket=ticket)
    assert (
        redirect_params(Browser(server).request("GET", "/authorize", params=query))["error"]
        == "access_denied"
    )
    query = code_query(spa["client_id"], CALLBACK, challenge, login_ticket=ticket)  # spent by the refusal
    assert (
        redirect_params(Browser(server).request("GET", "/authorize", params=query))["error"]
        == "access_denied"
    )


def test_disallowed_origin_and_disabled_app_get_no_cors(server: Server, spa: dict) -> None:
    refused = co_authenticate(Browser(server), spa["client_id"], origin="https://evil.example")
    assert refused.status_code == 403 and refused.json()["error"] == "unauthorized_client"
    assert "access-control-allow-origin" not in refused.headers
    plain = server.cli(
        "apps",
        "create",
        "--name",
        "Not cross-origin",
        "--type",
        "spa",
        "--web-origins",
        ORIGIN,
    )
    disabled = co_authenticate(Browser(server), plain["client_id"])
    assert disabled.status_code == 403 and "access-control-allow-origin" not in disabled.headers


def test_wrong_password_and_bad_input_are_auth0_errors(server: Server, spa: dict) -> None:
    wrong = co_authenticate(Browser(server), spa["client_id"], password="nope")
    assert wrong.status_code == 403
    assert wrong.json() == {"error": "access_denied", "error_description": "Wrong email or password."}
    assert wrong.headers["access-control-allow-origin"] == ORIGIN  # the SDK must be able to read it
    unknown = co_authenticate(Browser(server), spa["client_id"], credential_type="urn:nope")
    assert unknown.status_code == 400
    garbage = Browser(server).request(
        "POST",
        "/co/authenticate",
        content=b"{",
        headers={"Origin": ORIGIN, "Content-Type": "application/json"},
    )
    assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_request"


def test_preflight_allows_credentials(server: Server) -> None:
    with server.client() as http:
        response = http.options(
            "/co/authenticate",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        )
    assert response.status_code == 204
    assert response.headers["access-control-allow-credentials"] == "true"


def test_forged_ticket_is_refused(server: Server, spa: dict) -> None:
    _, challenge = pkce_pair()
    for forged in ("nonsense", "0" * 64 + "." + "A" * 43):
        query = code_query(spa["client_id"], CALLBACK, challenge, login_ticket=forged)
        assert (
            redirect_params(Browser(server).request("GET", "/authorize", params=query))["error"]
            == "access_denied"
        )


def test_a_ticket_counts_only_in_the_browser_that_asked_for_it(server: Server, spa: dict) -> None:
    """Login CSRF: an attacker's ticket must not sign a victim's browser in (as the attacker). The
    verifier cookie set by /co/authenticate must come back; a refusal does not spend the ticket."""
    attacker = Browser(server)
    ticket = co_authenticate(attacker, spa["client_id"]).json()["login_ticket"]
    _, challenge = pkce_pair()
    query = code_query(spa["client_id"], CALLBACK, challenge, login_ticket=ticket)
    victim = redirect_params(Browser(server).request("GET", "/authorize", params=query))
    assert victim["error"] == "access_denied" and "code" not in victim
    assert "code" in redirect_params(attacker.request("GET", "/authorize", params=query))


def test_the_verification_fallback_page_and_co_verify(server: Server) -> None:
    """Without the cookie (third-party cookies blocked) an app with `cross_origin_loc` gets the
    page that fetches the verifier from that page; `/co/verify` accepts only the right verifier,
    from the browser the page was served to."""
    loc = "https://embedded.example/verify"
    app = server.cli(
        "apps",
        "create",
        "--name",
        "Fallback",
        "--type",
        "spa",
        "--callbacks",
        CALLBACK,
        "--web-origins",
        ORIGIN,
        "--cross-origin",
        "--cross-origin-loc",
        loc,
    )
    answer = co_authenticate(Browser(server), app["client_id"]).json()
    _, challenge = pkce_pair()
    query = code_query(app["client_id"], CALLBACK, challenge, login_ticket=answer["login_ticket"])
    browser = Browser(server)  # its /co/authenticate cookie was blocked
    page = browser.request("GET", "/authorize", params=query)
    assert page.status_code == 200, page.text
    assert f'src="{loc}#origin=' in page.text and 'action="/co/verify"' in page.text
    assert answer["co_id"] in page.text and answer["co_verifier"] not in page.text
    assert "frame-src https://embedded.example" in page.headers["content-security-policy"]
    state = form_state(page)

    cross_site = Browser(server).request(
        "POST", "/co/verify", data={"state": state, "verifier": answer["co_verifier"]}
    )
    assert cross_site.status_code == 400  # another browser (no transaction cookie)
    wrong = redirect_params(browser.request("POST", "/co/verify", data={"state": state, "verifier": "nope"}))
    assert wrong["error"] == "access_denied"
    right = browser.request("POST", "/co/verify", data={"state": state, "verifier": answer["co_verifier"]})
    assert "code" in redirect_params(right)
    assert "edgeauth_session" in browser.cookies
