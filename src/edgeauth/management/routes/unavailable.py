"""Management API v2 paths of Auth0 features edgeauth does not offer, answered as Auth0 answers a
tenant without them, so that tools walking every resource type (the Deploy CLI's export and
import) go on past them instead of stopping at a 404 (docs/management-api.md, "Features edgeauth
does not offer").

- Rules, rules configs and hooks are deprecated on Auth0: it answers 403 for tenants that never
  had them, and so does edgeauth.
- Actions: every Auth0 tenant has them; here there are none, so the list is empty, and so are the
  triggers an action could be bound to.
- Custom domains, phone providers and phone templates: none.
- Attack protection: brute-force protection as edgeauth applies it (always on: ten failures from
  one IP lock that IP out of the account, docs/security.md); breached-password detection and
  suspicious-IP throttling off; bot detection and CAPTCHA not offered (403, as on plans without).
  Risk assessment off. A PATCH that changes nothing is accepted (an import of an export), a real
  change is a 403.
- Lists of what edgeauth has none of (log streams, forms, flows and their vault connections,
  self-service SSO profiles, token exchange profiles, event streams): empty, in the list's
  shapes: a bare array, `{<key>: [], start, limit, length, total}` with `include_totals`, or
  `{<key>: []}` (no `next`) with checkpoint paging.
- Supplemental signals: not offered (403, as on plans without them).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from durable_objects.user.brute_force import MAX_FAILURES
from edgeauth.admin.errors import AdminError
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.paging import From, Take

router = APIRouter(tags=["unavailable"])

DEPRECATED = {"rules": "Rules", "rules-configs": "Rules configs", "hooks": "Hooks"}


def deprecated(feature: str) -> AdminError:
    """Auth0's answer for a deprecated feature on a tenant that never used it."""
    return AdminError(
        403,
        f"{feature} are a deprecated feature that this tenant cannot use; use Actions instead.",
        "feature_not_enabled",
    )


def _deprecated_route(path: str, feature: str) -> None:
    async def refuse(caller: Annotated[Caller, allowed()]) -> None:
        raise deprecated(feature)

    refuse.__name__ = f"list_{path.replace('-', '_')}"
    router.add_api_route(f"/{path}", refuse, methods=["GET"], summary=f"{feature}: deprecated (403)")


for _path, _feature in DEPRECATED.items():
    _deprecated_route(_path, _feature)


@router.get("/actions/actions", summary="Actions: none here (an empty list)")
async def list_actions(
    caller: Annotated[Caller, allowed()],
    page: Annotated[int, Query(ge=0)] = 0,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, object]:
    return {"actions": [], "total": 0, "page": page, "per_page": per_page}


@router.get("/actions/triggers", summary="Action triggers: none")
async def list_action_triggers(caller: Annotated[Caller, allowed()]) -> dict[str, object]:
    return {"triggers": []}


@router.get("/custom-domains", summary="Custom domains: none (tenant hosts are the operator's)")
async def list_custom_domains(caller: Annotated[Caller, allowed()]) -> list[str]:
    return []


@router.get("/branding/phone/providers", summary="Phone providers: none")
async def list_phone_providers(caller: Annotated[Caller, allowed()]) -> dict[str, list[str]]:
    return {"providers": []}


@router.get("/branding/phone/templates", summary="Phone templates: none")
async def list_phone_templates(caller: Annotated[Caller, allowed()]) -> dict[str, list[str]]:
    return {"templates": []}


# Settings documents edgeauth answers with what it does; a PATCH that changes nothing (a Deploy CLI
# import of an export) is accepted, any real change is a 403.
FIXED_SETTINGS: dict[str, tuple[str, dict[str, object]]] = {
    "attack-protection/brute-force-protection": (
        "Brute-force protection",
        {
            "enabled": True,
            "shields": ["block"],
            "allowlist": [],
            "mode": "count_per_identifier_and_ip",
            "max_attempts": MAX_FAILURES,
        },
    ),
    "attack-protection/breached-password-detection": (
        "Breached-password detection",
        {
            "enabled": False,
            "shields": [],
            "admin_notification_frequency": [],
            "method": "standard",
            "stage": {"pre-user-registration": {"shields": []}, "pre-change-password": {"shields": []}},
        },
    ),
    "attack-protection/suspicious-ip-throttling": (
        "Suspicious-IP throttling",
        {"enabled": False, "shields": [], "allowlist": []},
    ),
    "risk-assessments/settings": ("Risk assessment", {"enabled": False}),
    "risk-assessments/settings/new-device": ("New-device risk assessment", {"remember_for": 0}),
}


def _fixed_settings_routes(path: str, feature: str, document: dict[str, object]) -> None:
    async def read(caller: Annotated[Caller, allowed()]) -> dict[str, object]:
        return document

    async def write(
        changes: Annotated[dict[str, object], Body(max_length=20)], caller: Annotated[Caller, allowed()]
    ) -> dict[str, object]:
        if {**document, **changes} != document:
            raise AdminError(
                403, f"{feature} settings cannot be changed on this tenant.", "feature_not_enabled"
            )
        return document

    name = path.replace("/", "_").replace("-", "_")
    read.__name__, write.__name__ = f"get_{name}", f"update_{name}"
    router.add_api_route(f"/{path}", read, methods=["GET"], summary=f"{feature} settings")
    router.add_api_route(f"/{path}", write, methods=["PATCH"], summary=f"{feature}: only as it is")


for _path, (_feature, _document) in FIXED_SETTINGS.items():
    _fixed_settings_routes(_path, _feature, _document)


def _not_offered_route(path: str, feature: str) -> None:
    async def refuse(caller: Annotated[Caller, allowed()]) -> None:
        raise AdminError(403, f"{feature} is not available for this tenant.", "feature_not_enabled")

    refuse.__name__ = "get_" + path.rsplit("/", 1)[-1].replace("-", "_")
    router.add_api_route(f"/{path}", refuse, methods=["GET"], summary=f"{feature}: not offered (403)")


for _path, _feature in {
    "attack-protection/bot-detection": "Bot detection",
    "attack-protection/captcha": "CAPTCHA",
    "supplemental-signals": "Supplemental signals",
}.items():
    _not_offered_route(_path, _feature)

EMPTY_LISTS = {
    "log-streams": "log_streams",
    "forms": "forms",
    "flows": "flows",
    "flows/vault/connections": "connections",
    "self-service-profiles": "self_service_profiles",
    "token-exchange-profiles": "token_exchange_profiles",
    "event-streams": "event_streams",
}


def _empty_list_route(path: str, key: str) -> None:
    async def empty(
        caller: Annotated[Caller, allowed()],
        per_page: Annotated[int, Query(ge=1, le=100)] = 50,
        include_totals: bool = False,
        take: Take = None,
        from_: From = None,
    ) -> object:
        if take is not None or from_ is not None:
            return {key: []}
        if include_totals:
            return {key: [], "start": 0, "limit": per_page, "length": 0, "total": 0}
        return []

    empty.__name__ = "list_" + path.replace("/", "_").replace("-", "_")
    router.add_api_route(f"/{path}", empty, methods=["GET"], summary=f"{path}: none here (an empty list)")


for _path, _key in EMPTY_LISTS.items():
    _empty_list_route(_path, _key)
