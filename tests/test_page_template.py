"""The Universal Login page template in both runtimes (the Management API's tests cover the rest,
tests/management/test_page_template.py): set with the CLI, the login page on the tenant's custom
domain wears it, Auth0's variables filled in, and the page on the shared base domain does not;
deleted, the built-in page is back."""

from __future__ import annotations

from html import unescape
from pathlib import Path

from tests.browser import Browser, pkce_pair
from tests.conftest import Server
from tests.test_login_flow import authorize_query

TEMPLATE = (
    '<!DOCTYPE html><html lang="{{ locale }}"><head>{%- auth0:head -%}</head><body>'
    '<header id="brand">{{ prompt.screen.name }} for {{ application.name }}</header>'
    "{%- auth0:widget -%}</body></html>"
)


def test_the_login_page_wears_the_template(server: Server, tmp_path: Path) -> None:
    server.cli("tenants", "create", "worn")
    server.cli("tenants", "add-domain", "--tenant", "worn", "--domain", "login.worn.example")
    own = f"login.worn.example:{server.port}"
    app = server.cli(
        "apps", "create", "--name", "Worn", "--type", "spa", "--callbacks", "https://app.example/callback",
        "--tenant", "worn",
    )  # fmt: skip
    source = tmp_path / "template.html"
    source.write_text(TEMPLATE)
    assert server.cli("tenants", "page-template", "--file", str(source), "--tenant", "worn") == {
        "body": TEMPLATE
    }
    page = Browser(server, host=own).authorize(authorize_query(app, pkce_pair()[1], ui_locales="de"))
    assert page.text.startswith('<!DOCTYPE html><html lang="de"><head>')
    assert '<header id="brand">login for Worn</header>' in unescape(page.text)
    assert '<form method="post" action="/u/login"' in page.text
    shared = Browser(server, "worn").authorize(authorize_query(app, pkce_pair()[1]))  # worn.localhost
    assert shared.status_code == 200 and 'id="brand"' not in shared.text
    server.cli("tenants", "page-template", "--delete", "--tenant", "worn")
    page = Browser(server, host=own).authorize(authorize_query(app, pkce_pair()[1]))
    assert 'id="brand"' not in page.text and '<form method="post" action="/u/login"' in page.text
