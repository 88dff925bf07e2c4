"""A tenant's Universal Login page template (Auth0 `/branding/templates/universal-login`): the
tenant's HTML around edgeauth's page at `{%- auth0:head -%}` and `{%- auth0:widget -%}`, with
Auth0's variables, escaped; refused at PUT when it lacks the tags or does not parse; a template
that fails while rendering gives way to the built-in page; other tenants keep theirs."""

from __future__ import annotations

from html import unescape

import httpx
import pytest

from tests.browser import Browser, code_query, form_state, pkce_pair
from tests.management.conftest import Management

CALLBACK = "https://templated.example/callback"
PATH = "/branding/templates/universal-login"
TEMPLATE = (
    '<!DOCTYPE html><html lang="{{ locale }}"><head>{%- auth0:head -%}</head>'
    '<body><header id="brand">{{ application.name }} · {{ prompt.name }}/{{ prompt.screen.name }}'
    " · {{ tenant.friendly_name }} · {{ branding.colors.primary }}</header>"
    "{%- auth0:widget -%}<footer>{{ '<b>not bold</b>' }}</footer></body></html>"
)


RECURSION = (
    "{% macro f(n) %}{% if n > 0 %}{% set x = f(n - 1) %}{% set y = f(n - 1) %}{% endif %}{% endmacro %}"
    "{{ f(40) }}"
)
RECURSIVE_LOOP = (
    "{% for x in [1, 2] recursive %}{% if loop.depth < 40 %}{{ loop([1, 2]) }}{% endif %}{% endfor %}"
)
DOMAIN = "login.templated.example"  # the tenant's custom domain: only there does its HTML run


def login_page(mgmt: Management, app: dict, language: str = "en") -> tuple[Browser, httpx.Response]:
    browser = Browser(mgmt.server, host=f"{DOMAIN}:{mgmt.server.port}")
    query = code_query(app["client_id"], CALLBACK, pkce_pair()[1], ui_locales=language)
    return browser, browser.authorize(query)


@pytest.fixture(scope="module")
def app(mgmt: Management) -> dict:
    mgmt.server.cli("tenants", "add-domain", "--domain", DOMAIN)
    return mgmt.server.cli("apps", "create", "--name", "Templated", "--type", "spa", "--callbacks", CALLBACK)


def test_the_pages_wear_the_tenants_template(mgmt: Management, app: dict) -> None:
    with mgmt.api() as api:
        assert api.get(PATH).status_code == 404
        assert api.put(PATH, json={"template": TEMPLATE}).status_code == 204
        assert api.get(PATH).json() == {"body": TEMPLATE}
    browser, page = login_page(mgmt, app, "fr")
    assert page.status_code == 200 and page.text.startswith('<!DOCTYPE html><html lang="fr"><head>')
    assert "Templated · login/login · default · #635dff</header>" in unescape(page.text)
    assert (
        '<form method="post" action="/u/login"' in page.text and "--primary:" in page.text
    )  # the widget, the head
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page.text  # escaped like any value
    sent = browser.request(
        "POST", "/u/reset-password/request", data={"state": form_state(page), "email": "who@example.com"}
    )
    assert "Templated · reset-password/reset-password-email" not in unescape(sent.text)  # no app on messages
    assert "· reset-password/reset-password-email ·" in unescape(sent.text)
    with mgmt.server.client(host=f"{DOMAIN}:{mgmt.server.port}") as http:
        error = http.get("/authorize", params={"client_id": "nobody"})
    assert error.status_code == 400 and "· common/error ·" in unescape(error.text)

    # Under the base domain every tenant shares, the tenant's HTML never runs (its script could set
    # cookies for the other tenants' hosts).
    query = code_query(app["client_id"], CALLBACK, pkce_pair()[1])
    shared = Browser(mgmt.server).authorize(query)
    assert shared.status_code == 200 and 'id="brand"' not in shared.text

    with mgmt.api() as api:
        assert api.delete(PATH).status_code == 204
        assert api.get(PATH).status_code == 404
    _, plain = login_page(mgmt, app)
    assert 'id="brand"' not in plain.text and '<form method="post" action="/u/login"' in plain.text


def test_values_in_the_template_are_escaped(mgmt: Management, app: dict) -> None:
    tricky = mgmt.server.cli(
        "apps", "create", "--name", "<i>Tricky</i>", "--type", "spa", "--callbacks", CALLBACK
    )
    with mgmt.api() as api:
        api.put(PATH, json={"template": TEMPLATE})
    try:
        _, page = login_page(mgmt, tricky)
        assert '<header id="brand">&lt;i&gt;Tricky&lt;/i&gt; · login/login' in page.text
    finally:
        with mgmt.api() as api:
            api.delete(PATH)


def test_a_template_that_fails_gives_way_to_the_built_in_page(mgmt: Management, app: dict) -> None:
    bomb = TEMPLATE.replace("{%- auth0:widget -%}", "{%- auth0:widget -%}{{ prompt.name * 100000000 }}")
    with mgmt.api() as api:
        assert api.put(PATH, json={"template": bomb}).status_code == 204  # it parses
    try:
        _, page = login_page(mgmt, app)
        assert page.status_code == 200 and 'id="brand"' not in page.text
        assert '<form method="post" action="/u/login"' in page.text
    finally:
        with mgmt.api() as api:
            api.delete(PATH)


@pytest.mark.parametrize(
    "body",
    [
        {"template": "<html><body>no tags</body></html>"},
        {"template": "{%- auth0:head -%}{%- auth0:widget -%}{%- auth0:widget -%}"},
        {"template": "{%- auth0:head -%}{%- auth0:widget -%}{% if %}"},
        {"template": "{%- auth0:head -%}{%- auth0:widget -%}" + "x" * 100_001},
        {"template": 42},
        {},
        # Work that doubles with every level (CPU no loop count would catch): refused.
        {"template": "{%- auth0:head -%}{%- auth0:widget -%}" + RECURSION},
        {"template": "{%- auth0:head -%}{%- auth0:widget -%}" + RECURSIVE_LOOP},
    ],
)
def test_a_template_edgeauth_cannot_use_is_400(mgmt: Management, body: dict) -> None:
    with mgmt.api() as api:
        response = api.put(PATH, json=body)
        assert response.status_code == 400, response.text
        assert set(response.json()) == {"statusCode", "error", "message", "errorCode"}
        assert api.get(PATH).status_code == 404  # nothing stored


def test_another_tenant_keeps_the_built_in_page(mgmt: Management, other: Management, app: dict) -> None:
    with mgmt.api() as api:
        api.put(PATH, json={"template": TEMPLATE})
    try:
        with other.api() as api:
            assert api.get(PATH).status_code == 404
        theirs = other.server.cli(
            "apps",
            "create",
            "--name",
            "Theirs",
            "--type",
            "spa",
            "--callbacks",
            CALLBACK,
            "--tenant",
            "other",
        )
        query = code_query(theirs["client_id"], CALLBACK, pkce_pair()[1])
        page = Browser(other.server, "other").authorize(query)
        assert page.status_code == 200 and 'id="brand"' not in page.text
    finally:
        with mgmt.api() as api:
            api.delete(PATH)


PARTIALS = {
    "login": {
        "form-content-start": "<p id=\"hello\">Hello, {{ application.name }} {{ '<b>' }}</p>",
        "secondary-actions-end": '<p id="bye">Bye from {{ prompt.screen.name }}</p>',
        "form-footer-end": "{{ prompt.name * 100000000 }}",  # fails while rendering: left out
    }
}


def test_partials_show_at_their_insertion_points(mgmt: Management, app: dict) -> None:
    with mgmt.api() as api:
        assert api.get("/prompts/login/partials").json() == {}
        assert api.put("/prompts/login/partials", json=PARTIALS).json() == PARTIALS
        assert api.get("/prompts/login/partials").json() == PARTIALS
    try:
        for template in ("", TEMPLATE):  # on the built-in page and inside a page template
            with mgmt.api() as api:
                if template:
                    api.put(PATH, json={"template": template})
            browser, page = login_page(mgmt, app)
            assert page.status_code == 200
            state = '<input type="hidden" name="state"'
            hello = '<p id="hello">Hello, Templated &lt;b&gt;</p>'
            assert page.text.index(state) < page.text.index(hello) < page.text.index('id="email"')
            assert page.text.index('<p id="bye">Bye from login</p>') > page.text.index("</form>")
            assert ('id="brand"' in page.text) == bool(template)
        signup = browser.request("GET", "/u/signup", params={"state": form_state(page)})
        assert signup.status_code == 200 and 'id="brand"' in signup.text
        assert 'id="hello"' not in signup.text  # partials of the login screen only
    finally:
        with mgmt.api() as api:
            api.delete(PATH)
            assert api.put("/prompts/login/partials", json={}).json() == {}
    _, page = login_page(mgmt, app)
    assert 'id="hello"' not in page.text


@pytest.mark.parametrize(
    ("prompt", "body"),
    [
        ("reset-password", {}),
        ("login", {"login": {"nowhere": "<p>x</p>"}}),
        ("login", {"login": "<p>x</p>"}),
        ("login", {"login": {"form-content-start": "{% if %}"}}),
        ("login", {"login": {"form-content-start": "x" * 10_001}}),
        ("login", {"login": {"form-content-start": 7}}),
        ("login", {"login": {"form-content-start": RECURSION}}),
        ("login", {"login": {"form-content-end": RECURSIVE_LOOP}}),
        ("login", {"no-such-screen": {"form-content-start": "<p>x</p>"}}),
    ],
)
def test_partials_edgeauth_cannot_use_are_400(mgmt: Management, prompt: str, body: dict) -> None:
    with mgmt.api() as api:
        response = api.put(f"/prompts/{prompt}/partials", json=body)
        assert response.status_code == 400, response.text
        assert set(response.json()) == {"statusCode", "error", "message", "errorCode"}
        assert api.get("/prompts/login/partials").json() == {}
