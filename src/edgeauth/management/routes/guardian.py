"""Management API v2: MFA (Guardian) factors and policies, and a user's second factors
(`/users/{id}/authentication-methods`, `/users/{id}/authenticators`,
`/users/{id}/recovery-code-regeneration`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from edgeauth.admin import guardian
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.paging import Paging

router = APIRouter()


@router.get("/guardian/factors", tags=["guardian"])
async def list_factors(caller: Annotated[Caller, allowed("read:guardian_factors")]) -> list[dict[str, Any]]:
    return await guardian.list_factors(caller.ctx.platform, caller.tenant_id)


@router.put("/guardian/factors/{name}", tags=["guardian"])
async def set_factor(
    name: str,
    enabled: Annotated[bool, Body(embed=True, strict=True)],
    caller: Annotated[Caller, allowed("update:guardian_factors")],
) -> dict[str, bool]:
    """`otp` and `recovery-code` can be enabled; the other factors are 403 until edgeauth has them."""
    return await guardian.set_factor(caller.ctx.platform, caller.tenant_id, name, enabled)


@router.get("/guardian/policies", tags=["guardian"])
async def get_policies(caller: Annotated[Caller, allowed("read:mfa_policies")]) -> list[str]:
    return await guardian.get_policies(caller.ctx.platform, caller.tenant_id)


@router.put("/guardian/policies", tags=["guardian"])
async def set_policies(
    policies: Annotated[list[str], Body(max_length=2)],
    caller: Annotated[Caller, allowed("update:mfa_policies")],
) -> list[str]:
    """`["all-applications"]`: every login needs a second factor; `[]`: none does."""
    return await guardian.set_policies(caller.ctx.platform, caller.tenant_id, policies)


@router.post("/guardian/enrollments/ticket", tags=["guardian"])
async def create_enrollment_ticket(
    body: Annotated[dict[str, Any], Body()],
    caller: Annotated[Caller, allowed("create:guardian_enrollment_tickets")],
) -> dict[str, str]:
    """`{user_id, [email], [send_mail], [email_locale]}` → `{ticket_id, ticket_url}`."""
    return await guardian.create_enrollment_ticket(
        caller.ctx.platform, caller.tenant_id, caller.ctx.issuer, body
    )


@router.get("/users/{id}/authentication-methods", tags=["users"])
async def list_authentication_methods(
    id: str, page: Paging, caller: Annotated[Caller, allowed("read:authentication_methods")]
) -> Any:
    methods = await guardian.list_authentication_methods(caller.ctx.platform, caller.tenant_id, id)
    shown = methods[page.offset : page.offset + page.per_page]
    return page.body("authenticators", shown, len(methods))


@router.post("/users/{id}/authentication-methods", status_code=201, tags=["users"])
async def create_authentication_method(
    id: str,
    method: Annotated[dict[str, Any], Body()],
    caller: Annotated[Caller, allowed("create:authentication_methods")],
) -> dict[str, Any]:
    """`{"type": "totp", "totp_secret": "<base32>"}`: an authenticator app the user already has."""
    return await guardian.create_authentication_method(caller.ctx.platform, caller.tenant_id, id, method)


@router.delete("/users/{id}/authentication-methods/{method_id}", status_code=204, tags=["users"])
async def delete_authentication_method(
    id: str, method_id: str, caller: Annotated[Caller, allowed("delete:authentication_methods")]
) -> Response:
    await guardian.delete_authentication_method(caller.ctx.platform, caller.tenant_id, id, method_id)
    return Response(status_code=204)


@router.delete("/users/{id}/authentication-methods", status_code=204, tags=["users"])
@router.delete("/users/{id}/authenticators", status_code=204, tags=["users"])
async def delete_authenticators(
    id: str,
    caller: Annotated[Caller, allowed("delete:authentication_methods", "delete:guardian_enrollments")],
) -> Response:
    """Every second factor of the user (Auth0 has both paths, with either scope here)."""
    await guardian.delete_authenticators(caller.ctx.platform, caller.tenant_id, id)
    return Response(status_code=204)


@router.post("/users/{id}/recovery-code-regeneration", tags=["users"])
async def regenerate_recovery_code(
    id: str, caller: Annotated[Caller, allowed("update:users")]
) -> dict[str, str]:
    return await guardian.regenerate_recovery_code(caller.ctx.platform, caller.tenant_id, id)
