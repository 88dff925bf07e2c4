"""Security keys and the device's authenticator as second factors on the hosted page (Auth0's
`webauthn-roaming` and `webauthn-platform`), in both runtimes, driven over HTTP by a software
authenticator written from the WebAuthn text (tests/webauthn_authenticator.py): enrolment at the
first login (the recovery code shown once after it), the challenge at the next, ES256 and RS256,
`none` and `packed` attestation; and every answer a relying party must refuse: a replayed
assertion, another origin or RP ID, a forged signature, a counter that did not grow, another
user's key, a challenge of another ceremony, no user verification where it is required."""

from __future__ import annotations

import json
import re
import time
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server
from tests.management.conftest import grant_management
from tests.test_mfa import CALLBACK, PASSWORD, get_token, hidden, rfc6238, user
from tests.webauthn_authenticator import RS256, SoftAuthenticator, b64, unb64

FACTORS = "webauthn-roaming,webauthn-platform,recovery-code"


@pytest.fixture(scope="module")
def app(server: Server) -> dict[str, Any]:
    server.cli("tenants", "update", "--mfa", FACTORS)
    return server.cli(
        "apps", "create", "--name", "Keys", "--type", "spa", "--callbacks", CALLBACK,
        "--grants", "authorization_code,refresh_token",
    )  # fmt: skip


def public_key(page: httpx.Response) -> dict[str, Any]:
    """The options the page hands `navigator.credentials` (its JSON data block)."""
    match = re.search(
        r'<script type="application/json" id="webauthn-options">(.*?)</script>', page.text, re.S
    )
    assert match, page.text
    options: dict[str, Any] = json.loads(match[1])
    return options


def webauthn_form(page: httpx.Response) -> dict[str, str]:
    form = {name: hidden(page, name) for name in ("state", "mfa_token", "factor", "challenge")}
    if 'name="enroll" value="1"' in page.text:
        form["enroll"] = "1"
    return form


def answer(browser: Browser, page: httpx.Response, credential: dict[str, Any]) -> httpx.Response:
    return browser.request(
        "POST", "/u/mfa", data={**webauthn_form(page), "credential": json.dumps(credential)}
    )


def chosen(browser: Browser, page: httpx.Response, factor: str) -> httpx.Response:
    """The choice page's (or another way's) button for `factor`."""
    assert f'id="use-{factor}"' in page.text, page.text
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token"), "factor": factor}
    if "mfa.choose" in page.text or 'name="enroll" value="1"' in page.text:
        form["enroll"] = "1"
    return browser.request("POST", "/u/mfa", data=form)


def first_login(
    server: Server, app: dict[str, Any], email: str, key: SoftAuthenticator
) -> tuple[Browser, str]:
    """Password, the choice of factors, the security key's enrolment; the recovery code page, its
    link on to the app. Returns the browser and the recovery code."""
    browser = Browser(server)
    verifier, challenge = pkce_pair()
    choice = browser.login(code_query(app["client_id"], CALLBACK, challenge), email, PASSWORD)
    assert choice.status_code == 200 and 'id="use-webauthn-roaming"' in choice.text, choice.text
    assert 'id="use-webauthn-platform"' in choice.text and "edgeauth_session" not in browser.cookies
    page = chosen(browser, choice, "webauthn-roaming")
    options = public_key(page)
    assert options["rp"]["id"] == "localhost" and options["attestation"] == "none"
    assert options["authenticatorSelection"]["authenticatorAttachment"] == "cross-platform"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -257]
    assert options["user"]["name"] == email and len(unb64(options["user"]["id"])) == 32
    done = answer(browser, page, key.create(options, server.origin))
    assert done.status_code == 200, done.text
    code = re.search(r'<code id="new-recovery-code">([A-Z0-9]{24})</code>', done.text)
    link = re.search(r'<a id="continue" href="([^"]+)"', done.text)
    assert code and link and "edgeauth_session" in browser.cookies
    params = parse_qs(urlsplit(unescape(link[1])).query)
    tokens = get_token(server, app).authorization_code_pkce(verifier, params["code"][0], CALLBACK)
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]
    return browser, code[1]


def challenge_page(server: Server, app: dict[str, Any], email: str) -> tuple[Browser, httpx.Response, str]:
    browser = Browser(server)
    verifier, challenge = pkce_pair()
    page = browser.login(code_query(app["client_id"], CALLBACK, challenge), email, PASSWORD)
    assert page.status_code == 200 and 'id="webauthn-form" data-ceremony="get"' in page.text, page.text
    return browser, page, verifier


@pytest.mark.parametrize("alg,attestation", [(-7, "none"), (RS256, "packed-self"), (-7, "packed-x5c")])
def test_a_security_key_enrolls_then_signs_in(
    server: Server, app: dict[str, Any], alg: int, attestation: str
) -> None:
    email = user(server, f"key-{alg}-{attestation}@example.com")
    key = SoftAuthenticator(alg=alg, attestation=attestation)
    first_login(server, app, email, key)

    browser, page, verifier = challenge_page(server, app, email)
    options = public_key(page)
    assert options["allowCredentials"] == [
        {"type": "public-key", "id": b64(key.credential_id), "transports": ["usb"]}
    ]
    assert 'id="use-recovery-code"' in page.text
    params = redirect_params(answer(browser, page, key.get(options, server.origin)))
    tokens = get_token(server, app).authorization_code_pkce(verifier, params["code"], CALLBACK)
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["mfa"]


def test_answers_a_relying_party_refuses(server: Server, app: dict[str, Any]) -> None:
    email = user(server, "refusals@example.com")
    key = SoftAuthenticator()
    first_login(server, app, email, key)
    browser, page, _ = challenge_page(server, app, email)
    options = public_key(page)

    def refused(credential: dict[str, Any], form: dict[str, str] | None = None) -> None:
        data = {**(form or webauthn_form(page)), "credential": json.dumps(credential)}
        response = browser.request("POST", "/u/mfa", data=data)
        assert response.status_code == 400 and 'aria-invalid="true"' in response.text, response.text
        assert "edgeauth_session" not in browser.cookies

    refused(key.get(options, "http://evil.localhost:1"))  # another origin
    refused(key.get({**options, "rpId": "evil.example"}, server.origin))  # another RP ID
    forged = key.get(options, server.origin)
    forged["response"]["signature"] = b64(unb64(forged["response"]["signature"])[:-2] + b"\0\0")
    refused(forged)
    refused(SoftAuthenticator(credential_id=key.credential_id).get(options, server.origin))  # not its key
    refused(key.get({**options, "challenge": b64(b"\1" * 32)}, server.origin))  # another challenge
    refused(key.get(options, server.origin), {**webauthn_form(page), "factor": "webauthn-platform"})
    refused({"id": b64(key.credential_id), "response": "nonsense"})
    refused({**key.get(options, server.origin), "id": "unknown"})

    good = key.get(options, server.origin)
    assert redirect_params(answer(browser, page, good))["code"]
    again = Browser(server)
    replay = again.request("POST", "/u/mfa", data={**webauthn_form(page), "credential": json.dumps(good)})
    assert replay.status_code == 400  # another browser: no transaction cookie

    # A counter that stands still: the key was cloned.
    browser, page, _ = challenge_page(server, app, email)
    key.sign_count -= 1
    refused(key.get(public_key(page), server.origin))


def test_an_answer_is_good_once(server: Server, app: dict[str, Any]) -> None:
    """A captured answer replayed in a login of its own (the password known, a new mfa_token):
    its challenge was answered already. The key keeps its counter at zero, as many do, so only
    the spent challenge stands in the way."""
    email = user(server, "replay@example.com")
    key = SoftAuthenticator(counter_step=0)
    first_login(server, app, email, key)
    browser, page, _ = challenge_page(server, app, email)
    good = key.get(public_key(page), server.origin)
    assert redirect_params(answer(browser, page, good))["code"]
    thief, fresh, _ = challenge_page(server, app, email)
    stolen = {**webauthn_form(fresh), "challenge": hidden(page, "challenge"), "credential": json.dumps(good)}
    replayed = thief.request("POST", "/u/mfa", data=stolen)
    assert replayed.status_code == 400 and "edgeauth_session" not in thief.cookies
    assert redirect_params(answer(thief, fresh, key.get(public_key(fresh), server.origin)))["code"]


def test_the_device_authenticator_requires_user_verification(server: Server, app: dict[str, Any]) -> None:
    email = user(server, "platform@example.com")
    device = SoftAuthenticator()
    browser = Browser(server)
    choice = browser.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
    page = chosen(browser, choice, "webauthn-platform")
    options = public_key(page)
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["authenticatorAttachment"] == "platform"
    presence_only = SoftAuthenticator(user_verifying=False)
    response = answer(browser, page, presence_only.create(options, server.origin))
    assert response.status_code == 400 and "edgeauth_session" not in browser.cookies
    page = chosen(browser, choice, "webauthn-platform")
    assert answer(browser, page, device.create(public_key(page), server.origin)).status_code == 200

    browser, page, _ = challenge_page(server, app, email)
    options = public_key(page)
    assert options["userVerification"] == "required"
    assert answer(browser, page, device.get(options, server.origin, verified=False)).status_code == 400
    assert redirect_params(answer(browser, page, device.get(options, server.origin)))["code"]


def test_other_ways_and_the_recovery_code(server: Server, app: dict[str, Any]) -> None:
    """The challenge page offers the recovery code; it signs in once; a second key cannot be
    enrolled with the password alone; the Management API lists and deletes the key."""
    email = user(server, "other-ways@example.com")
    _, recovery_code = first_login(server, app, email, SoftAuthenticator())
    browser, page, _ = challenge_page(server, app, email)
    asked = chosen(browser, page, "recovery-code")
    assert asked.status_code == 200 and 'id="recovery"' in asked.text
    form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token"), "factor": "recovery-code"}
    done = browser.request("POST", "/u/mfa", data={**form, "recovery": recovery_code})
    assert done.status_code == 200 and 'id="new-recovery-code"' in done.text

    browser, page, _ = challenge_page(server, app, email)
    enrol = browser.request(
        "POST", "/u/mfa", data={"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token"),
                                "factor": "webauthn-roaming", "enroll": "1"},
    )  # fmt: skip
    assert (
        answer(browser, enrol, SoftAuthenticator().create(public_key(enrol), server.origin)).status_code
        == 400
    )

    if server.mode == "edge":
        return  # the edge host serves no /api/v2 (tests/edge); the Management API is checked locally
    with grant_management(server).api() as api:
        found = api.get("/users-by-email", params={"email": email}).json()[0]
        methods = api.get(f"/users/{found['user_id']}/authentication-methods").json()
        assert {m["type"] for m in methods} == {"webauthn-roaming", "recovery-code"}
        key = next(m for m in methods if m["type"] == "webauthn-roaming")
        assert api.delete(f"/users/{found['user_id']}/authentication-methods/{key['id']}").status_code == 204
    browser = Browser(server)
    page = browser.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
    assert 'id="use-webauthn-roaming"' in page.text  # no key left: the choice of factors again


def test_an_unconfirmed_authenticator_app_is_no_way_in(server: Server, app: dict[str, Any]) -> None:
    """Someone with the password shows himself the authenticator app's key and never confirms it;
    the owner then enrolls a security key. That key is the factor from now on: a code of the
    abandoned app is refused on the page (and the abandoned enrolment is gone)."""
    server.cli("tenants", "update", "--mfa", f"otp,{FACTORS}")
    try:
        email = user(server, "abandoned-app@example.com")
        thief = Browser(server)
        choice = thief.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
        shown = chosen(thief, choice, "otp")
        secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', shown.text)
        assert secret, shown.text
        key = SoftAuthenticator()
        first_login(server, app, email, key)
        browser, page, _ = challenge_page(server, app, email)
        form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token"), "factor": "otp"}
        sneaked = browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret[1], time.time())})
        assert sneaked.status_code == 400 and "edgeauth_session" not in browser.cookies
    finally:
        server.cli("tenants", "update", "--mfa", FACTORS)


def test_a_factor_turned_off_is_replaced_by_an_enabled_one(server: Server, app: dict[str, Any]) -> None:
    email = user(server, "factor-off@example.com")
    first_login(server, app, email, SoftAuthenticator())
    server.cli("tenants", "update", "--mfa", "otp")
    try:
        browser = Browser(server)
        page = browser.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
        secret = re.search(r'<code id="secret">([A-Z2-7]{32})</code>', page.text)
        assert page.status_code == 200 and secret, page.text  # the app's enrolment, not a dead end
        form = {"state": hidden(page, "state"), "mfa_token": hidden(page, "mfa_token")}
        done = browser.request("POST", "/u/mfa", data={**form, "code": rfc6238(secret[1], time.time())})
        assert redirect_params(done)["code"]
    finally:
        server.cli("tenants", "update", "--mfa", FACTORS)


@pytest.mark.parametrize(
    "response",
    [
        # A CBOR decimal fraction (tag 4) with a huge exponent: {"fmt": 4([2**63-1, 1])}.
        {"attestationObject": b64(bytes.fromhex("a163666d74c4821b7fffffffffffffff01"))},
        {"clientDataJSON": b64(b"[" * 5000)},
        {"attestationObject": "%%%"},
    ],
    ids=["cbor-decimal", "deep-json", "not-base64"],
)
def test_malformed_answers_are_refused_not_errors(
    server: Server, app: dict[str, Any], response: dict[str, str]
) -> None:
    email = user(server, f"malformed-{len(str(response))}@example.com")
    browser = Browser(server)
    choice = browser.login(code_query(app["client_id"], CALLBACK, pkce_pair()[1]), email, PASSWORD)
    page = chosen(browser, choice, "webauthn-roaming")
    good = SoftAuthenticator().create(public_key(page), server.origin)
    answered = answer(browser, page, {**good, "response": {**good["response"], **response}})
    assert answered.status_code == 400 and 'aria-invalid="true"' in answered.text
    deep = browser.request("POST", "/u/mfa", data={**webauthn_form(page), "credential": "[" * 5000})
    assert deep.status_code == 400
