"""`edgeauth serve --demo`: a demo API, a machine-to-machine app authorized for it, and a SPA."""

from __future__ import annotations

from edgeauth.admin import apis, clients, grants
from edgeauth.admin.errors import AdminError
from edgeauth.platform import Platform

DEMO_API = "https://demo-api.edgeauth.local/"
DEMO_SCOPES = ["read:messages", "write:messages"]
M2M_NAME = "Demo M2M"
SPA_NAME = "Demo SPA"


async def _app(platform: Platform, tenant_id: str, name: str, app_type: str, origin: str) -> str:
    """The client_id of the named demo app, created on the first start."""
    existing = await clients.find_clients_by_name(platform, tenant_id, name)
    if existing:
        return existing[0]["client_id"]
    created = await clients.create_client(
        platform,
        tenant_id,
        name=name,
        app_type=app_type,
        callbacks=[f"{origin}/"],
        allowed_logout_urls=[f"{origin}/"],
        web_origins=[origin],
    )
    return created["client_id"]


async def seed_demo(platform: Platform, origin: str) -> str:
    """Idempotent; returns what to print: the M2M credentials and a curl line to try them."""
    tenant_id = platform.settings.default_tenant
    try:
        await apis.create_api(platform, tenant_id, name="Demo API", identifier=DEMO_API, scopes=DEMO_SCOPES)
    except AdminError as exc:
        if exc.status != 409:
            raise
    m2m = await _app(platform, tenant_id, M2M_NAME, "m2m", origin)
    spa = await _app(platform, tenant_id, SPA_NAME, "spa", origin)
    try:
        await grants.create_client_grant(
            platform, tenant_id, client_id=m2m, audience=DEMO_API, scopes=DEMO_SCOPES
        )
    except AdminError as exc:
        if exc.status != 409:
            raise
    secret = await clients.reveal_secret(platform, tenant_id, m2m)
    return (
        f"demo API {DEMO_API} ({' '.join(DEMO_SCOPES)})\n"
        f"demo SPA client_id {spa}\n"
        f"demo M2M client_id {m2m}\n"
        f"  try: curl -s {origin}/oauth/token -d grant_type=client_credentials "
        f"-d client_id={m2m} -d client_secret={secret} -d audience={DEMO_API}"
    )
