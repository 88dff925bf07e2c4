"""`edgeauth serve --demo`: a demo API, a machine-to-machine app authorized for it, a SPA wired to
the demo page at `/demo/` (see `demo_app.py`), and a demo user to log in with."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from edgeauth import management_api
from edgeauth.admin import apis, clients, connections, grants, tenants, users
from edgeauth.admin.errors import AdminError
from edgeauth.platform import Platform

DEMO_API = "https://demo-api.edgeauth.local/"
# The demo tenant's display name on the hosted pages ("Log in to edgeauth demo to continue to …").
DEMO_TENANT_NAME = "edgeauth demo"
DEMO_SCOPES = ["read:messages", "write:messages"]
M2M_NAME = "Demo M2M"
SPA_NAME = "Demo SPA"
DEMO_PATH = "/demo/"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "edgeauth-demo"  # a local demo's well-known password, printed at every start


@dataclass(frozen=True)
class Demo:
    """What `serve --demo` seeded, for the demo page and the startup message."""

    origin: str
    spa_client_id: str
    m2m_client_id: str
    m2m_secret: str

    @property
    def page_url(self) -> str:
        return self.origin + DEMO_PATH

    def summary(self) -> str:
        return (
            f"demo API {DEMO_API} ({' '.join(DEMO_SCOPES)})\n"
            f"demo SPA client_id {self.spa_client_id}\n"
            f"demo M2M client_id {self.m2m_client_id}\n"
            f"  try: curl -s {self.origin}/oauth/token -d grant_type=client_credentials "
            f"-d client_id={self.m2m_client_id} -d client_secret={self.m2m_secret} -d audience={DEMO_API}\n"
            f"  the demo M2M app may also call the Management API: audience={self.origin}/api/v2/, "
            f"reference {self.origin}/api/v2/docs\n"
            f'demo user {DEMO_EMAIL} / password {DEMO_PASSWORD} (or "Email me a code")\n'
            f"emails (codes, links, resets) {self.origin}/local/outbox\n"
            f"open {self.page_url}"
        )


async def _ignore_conflict(created: Awaitable[Any]) -> None:
    """Create unless it exists (409)."""
    try:
        await created
    except AdminError as exc:
        if exc.status != 409:
            raise


async def _m2m_app(platform: Platform, tenant_id: str) -> str:
    existing = await clients.find_clients_by_name(platform, tenant_id, M2M_NAME)
    if existing:
        return str(existing[0]["client_id"])
    created = await clients.create_client(platform, tenant_id, name=M2M_NAME, app_type="m2m")
    return str(created["client_id"])


async def _spa_app(platform: Platform, tenant_id: str, origin: str) -> str:
    """The demo SPA, its URLs those of the demo page on this origin (updated if the port changed)."""
    urls: dict[str, Any] = {
        "callbacks": [origin + DEMO_PATH],
        "allowed_logout_urls": [origin + DEMO_PATH],
        "web_origins": [origin],
    }
    existing = await clients.find_clients_by_name(platform, tenant_id, SPA_NAME)
    if not existing:
        created = await clients.create_client(platform, tenant_id, name=SPA_NAME, app_type="spa", **urls)
        return str(created["client_id"])
    spa = existing[0]
    if any(spa[field] != value for field, value in urls.items()):
        await clients.set_client_urls(platform, tenant_id, spa["client_id"], **urls)
    return str(spa["client_id"])


async def seed_demo(platform: Platform, origin: str) -> Demo:
    """Idempotent: the second start finds what the first one made."""
    tenant_id = platform.settings.default_tenant
    if (await tenants.get_settings(platform, tenant_id))["friendly_name"] == tenant_id:  # never named
        await tenants.update_settings(platform, tenant_id, {"friendly_name": DEMO_TENANT_NAME})
    await _ignore_conflict(
        apis.create_api(platform, tenant_id, name="Demo API", identifier=DEMO_API, scopes=DEMO_SCOPES)
    )
    m2m = await _m2m_app(platform, tenant_id)
    spa = await _spa_app(platform, tenant_id, origin)
    await _ignore_conflict(
        grants.create_client_grant(platform, tenant_id, client_id=m2m, audience=DEMO_API, scopes=DEMO_SCOPES)
    )
    await _ignore_conflict(
        grants.create_client_grant(
            platform,
            tenant_id,
            client_id=m2m,
            audience=management_api.IDENTIFIER,
            scopes=list(management_api.SCOPES),
        )
    )
    await _ignore_conflict(users.create_user(platform, tenant_id, email=DEMO_EMAIL, password=DEMO_PASSWORD))
    await _ignore_conflict(  # passwordless: "Email me a code" on the hosted page (codes in /local/outbox)
        connections.create_connection(
            platform, tenant_id, name="email", strategy="email", enabled_clients=[spa]
        )
    )
    secret = await clients.reveal_secret(platform, tenant_id, m2m)
    return Demo(origin=origin, spa_client_id=spa, m2m_client_id=m2m, m2m_secret=secret)
