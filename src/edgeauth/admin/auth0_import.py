"""`edgeauth tenants import-auth0`: copy an Auth0 tenant's configuration into an edgeauth tenant, both
read and written through their Management APIs v2 (docs/migrating-from-auth0.md, "Configuration").

Each side is reached with a client-credentials token of an M2M application holding a grant to that
tenant's Management API. Copied: resource servers, clients (same `client_id`s; secrets where the
source reveals them), client grants, roles and their permissions, connections (social ones with
their options), tenant settings, branding and email templates. Whatever the destination refuses,
and whatever cannot be copied, is reported with the reason; nothing stops the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from edgeauth.connections import DATABASE_CONNECTION, EMAIL_CONNECTION
from edgeauth.mail.outgoing import TEMPLATES
from edgeauth.platform import Platform
from edgeauth.users.lazy_migration import upstream_origin

PAGE = 50  # items per page read (a page must fit the outbound response cap)
# What the source says of a client that no tenant may set.
CLIENT_READ_ONLY = ("tenant", "global", "owners", "signing_keys", "callback_url_template", "config_route")
API_READ_ONLY = ("id", "is_system", "client_id")
CONNECTION_READ_ONLY = ("id", "provisioning_ticket_url", "realms", "authentication", "connected_accounts")
# Auth0 template names; edgeauth sends these of them (`edgeauth.mail.outgoing.TEMPLATES`).
AUTH0_TEMPLATES = (
    "verify_email", "verify_email_by_code", "reset_email", "reset_email_by_code", "welcome_email",
    "blocked_account", "stolen_credentials", "enrollment_email", "mfa_oob_code", "user_invitation",
    "change_password", "password_reset",
)  # fmt: skip
SETTINGS = (
    "friendly_name", "picture_url", "support_email", "support_url", "default_audience",
    "allowed_logout_urls", "session_lifetime", "idle_session_lifetime", "enabled_locales",
)  # fmt: skip


class ImportFailed(Exception):
    """A side cannot be reached or refuses the credentials: nothing was copied."""


@dataclass
class Report:
    copied: dict[str, int] = field(default_factory=dict)
    not_copied: list[dict[str, str]] = field(default_factory=list)

    def done(self, kind: str) -> None:
        self.copied[kind] = self.copied.get(kind, 0) + 1

    def refused(self, kind: str, name: str, why: str) -> None:
        self.not_copied.append({"kind": kind, "name": name, "why": why})


@dataclass
class ManagementApi:
    """One tenant's `/api/v2`, as an M2M application sees it."""

    platform: Platform
    origin: str
    token: str
    allow_loopback: bool

    @classmethod
    async def connect(
        cls, platform: Platform, domain: str, client_id: str, client_secret: str, allow_loopback: bool
    ) -> ManagementApi:
        origin = upstream_origin(domain)
        form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "audience": f"{origin}/api/v2/",
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        try:
            response = await platform.http.post(
                f"{origin}/oauth/token", urlencode(form).encode(), headers, allow_loopback=allow_loopback
            )
            token = json.loads(response.body).get("access_token") if response.status == 200 else None
        except (OSError, ValueError) as exc:
            raise ImportFailed(f"{origin}: {exc}") from exc
        if not isinstance(token, str):
            raise ImportFailed(f"{origin} refused the credentials ({response.status})")
        return cls(platform, origin, token, allow_loopback)

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        url, http = f"{self.origin}/api/v2/{path}", self.platform.http
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            if method == "GET":
                response = await http.get(url, headers, allow_loopback=self.allow_loopback)
            else:
                send = http.post if method == "POST" else http.patch
                response = await send(
                    url, json.dumps(body).encode(), headers, allow_loopback=self.allow_loopback
                )
            return response.status, json.loads(response.body) if response.body else None
        except (OSError, ValueError) as exc:
            return 0, {"message": str(exc)}

    async def pages(self, path: str) -> list[dict[str, Any]]:
        """Every item of a list, page by page (`page`, `per_page`)."""
        items: list[dict[str, Any]] = []
        separator = "&" if "?" in path else "?"
        for page in range(1000):
            status, body = await self.call("GET", f"{path}{separator}page={page}&per_page={PAGE}")
            if status != 200 or not isinstance(body, list):
                raise ImportFailed(f"GET {path}: {status} {body}")
            items += body
            if len(body) < PAGE:
                break
        return items


def _why(status: int, body: Any) -> str:
    message = body.get("message") if isinstance(body, dict) else None
    return f"{status}: {message or body}"


def _without(item: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in names and value is not None}


async def import_auth0(source: ManagementApi, destination: ManagementApi) -> Report:
    """Copy everything the module docstring lists, in the order references need."""
    report = Report()
    await _copy_resource_servers(source, destination, report)
    copied_clients = await _copy_clients(source, destination, report)
    await _copy_grants(source, destination, report, copied_clients)
    await _copy_roles(source, destination, report)
    await _copy_connections(source, destination, report, copied_clients)
    await _copy_settings(source, destination, report)
    await _copy_templates(source, destination, report)
    return report


async def _create(
    destination: ManagementApi, report: Report, kind: str, name: str, path: str, body: Any
) -> Any:
    status, answer = await destination.call("POST", path, body)
    if status in (200, 201, 204):
        report.done(kind)
        return answer
    report.refused(kind, name, _why(status, answer))
    return None


async def _copy_resource_servers(source: ManagementApi, destination: ManagementApi, report: Report) -> None:
    for api in await source.pages("resource-servers"):
        if api.get("is_system"):
            continue  # each tenant has its own Management API
        body = _without(api, API_READ_ONLY)
        await _create(
            destination, report, "resource_servers", api.get("identifier", ""), "resource-servers", body
        )


async def _copy_clients(source: ManagementApi, destination: ManagementApi, report: Report) -> set[str]:
    copied: set[str] = set()
    for client in await source.pages("clients"):
        if client.get("global"):
            continue  # Auth0's "All Applications" client
        name = f"{client.get('name')} ({client.get('client_id')})"
        if not client.get("client_secret") and client.get("token_endpoint_auth_method") != "none":
            report.refused(
                "clients", name, "the secret was not readable (read:client_keys): a new one was made"
            )
        if await _create(destination, report, "clients", name, "clients", _without(client, CLIENT_READ_ONLY)):
            copied.add(str(client["client_id"]))
    return copied


async def _copy_grants(
    source: ManagementApi, destination: ManagementApi, report: Report, clients: set[str]
) -> None:
    for grant in await source.pages("client-grants"):
        name = f"{grant.get('client_id')} → {grant.get('audience')}"
        if grant.get("audience") == f"{source.origin}/api/v2/":
            report.refused(
                "client_grants", name, "a grant to the source's Management API: grant this tenant's anew"
            )
        elif grant.get("client_id") in clients:
            body = {key: grant[key] for key in ("client_id", "audience", "scope") if key in grant}
            await _create(destination, report, "client_grants", name, "client-grants", body)


async def _copy_roles(source: ManagementApi, destination: ManagementApi, report: Report) -> None:
    for role in await source.pages("roles"):
        body = {key: role[key] for key in ("name", "description") if role.get(key)}
        created = await _create(destination, report, "roles", str(role.get("name")), "roles", body)
        if not created:
            continue
        permissions = [
            {key: permission[key] for key in ("resource_server_identifier", "permission_name")}
            for permission in await source.pages(f"roles/{role['id']}/permissions")
        ]
        if permissions:
            status, answer = await destination.call(
                "POST", f"roles/{created['id']}/permissions", {"permissions": permissions}
            )
            if status not in (200, 201, 204):
                report.refused("role_permissions", str(role.get("name")), _why(status, answer))


async def _copy_connections(
    source: ManagementApi, destination: ManagementApi, report: Report, clients: set[str]
) -> None:
    for connection in await source.pages("connections"):
        name = str(connection.get("name"))
        if name in (DATABASE_CONNECTION, EMAIL_CONNECTION):
            continue  # every edgeauth tenant has them
        body = _without(connection, CONNECTION_READ_ONLY)
        if "enabled_clients" in body:
            body["enabled_clients"] = [client for client in body["enabled_clients"] if client in clients]
        await _create(destination, report, "connections", name, "connections", body)


async def _copy_settings(source: ManagementApi, destination: ManagementApi, report: Report) -> None:
    for path, names in (
        ("tenants/settings", SETTINGS),
        ("branding", ("colors", "favicon_url", "logo_url", "font")),
    ):
        status, current = await source.call("GET", path)
        if status != 200 or not isinstance(current, dict):
            report.refused(path, path, _why(status, current))
            continue
        body = {key: current[key] for key in names if current.get(key) not in (None, "", [], {})}
        if body:
            status, answer = await destination.call("PATCH", path, body)
            if status == 200:
                report.done(path)
            else:
                report.refused(path, path, _why(status, answer))


async def _copy_templates(source: ManagementApi, destination: ManagementApi, report: Report) -> None:
    for template in AUTH0_TEMPLATES:
        status, body = await source.call("GET", f"email-templates/{template}")
        if status != 200 or not isinstance(body, dict):
            continue  # the source never set it
        if template not in TEMPLATES:
            report.refused("email_templates", template, "edgeauth does not send this email")
            continue
        status, answer = await destination.call("POST", "email-templates", body)
        if status == 409:  # the destination has one: replace what it says
            status, answer = await destination.call("PATCH", f"email-templates/{template}", body)
        if status in (200, 201):
            report.done("email_templates")
        else:
            report.refused("email_templates", template, _why(status, answer))
