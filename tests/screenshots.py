"""Screenshots of the hosted pages for docs/ and the README, taken in the real Chromium the tests
drive: `make screenshots` (`python -m tests.screenshots`) writes `docs/screenshots/*.png` for the
login, signup, forgot-password, new-password and email-code pages, with the default look and
with a tenant's own branding (name, logo, colour)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from tests.browser import pkce_pair
from tests.conftest import Server, server_process
from tests.e2e_support import Chromium, StaticSite, chromium, require_e2e_tools
from tests.mail_support import last_email

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CALLBACK = "https://app.example/callback"
LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="52" viewBox="0 0 160 52">'
    b'<rect x="2" y="6" width="40" height="40" rx="10" fill="#0f766e"/>'
    b'<path d="M12 36 L22 16 L32 36 Z" fill="#fff"/>'
    b'<text x="52" y="35" font-family="sans-serif" font-size="22" font-weight="700" fill="#134e4a">'
    b"Acme</text>"
    b"</svg>"
)


def tenant_with_app(server: Server, site: StaticSite, tenant: str, name: str, *branding: str) -> dict:
    server.cli("tenants", "create", tenant, "--name", name)
    if branding:
        server.cli("tenants", "update", "--tenant", tenant, *branding)
    app = server.cli(
        "apps", "create", "--name", "Dashboard", "--type", "spa", "--callbacks", CALLBACK, "--tenant", tenant
    )
    server.cli(
        "connections", "create", "--name", "email", "--strategy", "email",
        "--enable-app", app["client_id"], "--tenant", tenant,
    )  # fmt: skip
    server.cli(
        "users",
        "create",
        "--email",
        f"ada@{tenant}.example",
        "--password",
        "screenshots!",
        "--tenant",
        tenant,
    )
    return app


def shoot(server: Server, browser: Chromium, tenant: str, app: dict, prefix: str) -> list[Path]:
    origin = server.host_origin(tenant)
    query = {
        "client_id": app["client_id"], "redirect_uri": CALLBACK, "response_type": "code", "scope": "openid",
        "code_challenge": pkce_pair()[1], "code_challenge_method": "S256",
    }  # fmt: skip
    login = f"{origin}/authorize?{urlencode(query)}"
    shots = []

    def take(name: str) -> None:
        path = OUT / f"{prefix}-{name}.png"
        browser.screenshot(path)
        shots.append(path)

    browser.new_session()
    browser.goto(login)
    take("login")
    browser.click(".alt a")
    browser.wait_for_url(f"{origin}/u/signup")
    take("signup")
    browser.goto(login)
    browser.click(".forgot a")
    browser.wait_for_url(f"{origin}/u/reset-password/request")
    take("forgot-password")
    browser.fill("#email", f"ada@{tenant}.example")
    browser.press("#email", "Enter")
    browser.wait_for_text("h1", "")
    text = last_email(server, f"ada@{tenant}.example", tenant=tenant)["text"]
    browser.goto(re.search(r"https?://\S+/lo/reset\S+", text)[0])  # type: ignore[index]
    take("new-password")
    browser.goto(login)
    browser.fill("#passwordless-email", f"ada@{tenant}.example")
    browser.click("form.alt-method button")
    browser.wait_for_url(f"{origin}/u/passwordless")
    take("email-code")
    return shots


def main() -> None:
    require_e2e_tools()
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as data,
        server_process("local", Path(data)) as process,
        StaticSite() as site,
        chromium() as browser,
    ):
        server = Server(process, "local")
        site.files["/logo.svg"] = ("image/svg+xml", LOGO)
        plain = tenant_with_app(server, site, "acme-default", "Acme")
        branded = tenant_with_app(
            server,
            site,
            "acme",
            "Acme Corp",
            "--primary-color",
            "#0f766e",
            "--logo-url",
            f"{site.origin}/logo.svg",
        )
        shots = shoot(server, browser, "acme-default", plain, "default")
        shots += shoot(server, browser, "acme", branded, "branded")
    print(*(str(path.relative_to(OUT.parents[1])) for path in shots), sep="\n")


if __name__ == "__main__":
    main()
