"""Management API v2: `/keys/signing` (the tenant's token signing keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from edgeauth.admin import signing_keys
from edgeauth.management.auth import Caller, allowed
from edgeauth.management.models.keys import KeyId, SigningKey

router = APIRouter(prefix="/keys/signing", tags=["keys"])


@router.get("", response_model=list[SigningKey], response_model_exclude_none=True)
async def list_signing_keys(caller: Annotated[Caller, allowed("read:signing_keys")]) -> Any:
    return await signing_keys.list_keys(caller.ctx.platform, caller.tenant_id)


@router.post("/rotate", status_code=201, response_model=KeyId)
async def rotate_signing_key(
    caller: Annotated[Caller, allowed("create:signing_keys", "update:signing_keys")],
) -> Any:
    """The next key (already in every cached JWKS) signs from now on; a new next key is made."""
    return await signing_keys.rotate(caller.ctx.platform, caller.tenant_id)


@router.get("/{kid}", response_model=SigningKey, response_model_exclude_none=True)
async def get_signing_key(kid: str, caller: Annotated[Caller, allowed("read:signing_keys")]) -> Any:
    return await signing_keys.get_key(caller.ctx.platform, caller.tenant_id, kid)


@router.put("/{kid}/revoke", response_model=KeyId)
async def revoke_signing_key(kid: str, caller: Annotated[Caller, allowed("update:signing_keys")]) -> Any:
    """Only the previous key; it leaves the JWKS, so tokens it signed no longer verify."""
    return await signing_keys.revoke(caller.ctx.platform, caller.tenant_id, kid)
