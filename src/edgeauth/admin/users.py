"""Users of the database connection: create (the CLI's `users create`; Auth0 `POST /users`)."""

from __future__ import annotations

from typing import Any

from edgeauth.admin.errors import AdminError, bad_request, conflict
from edgeauth.admin.tenants import require_tenant
from edgeauth.platform import Platform
from edgeauth.snapshots import load_tenant
from edgeauth.users.directory import DATABASE_CONNECTION, normalize_email, user_object_for_email
from edgeauth.users.passwords import MIN_LENGTH, PasswordPolicyError, check_policy, hash_password


async def create_user(
    platform: Platform, tenant_id: str, *, email: str, password: str, connection: str = ""
) -> dict[str, Any]:
    await require_tenant(platform, tenant_id)
    connection = connection or DATABASE_CONNECTION
    if connection != DATABASE_CONNECTION:
        raise AdminError(400, f"The connection {connection} does not exist.", "inexistent_connection")
    address = normalize_email(email)
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address:
        raise bad_request(f"Object didn't pass validation for format email: {email}")
    tenant = await load_tenant(platform.config, tenant_id)
    try:
        check_policy(password, tenant.password_min_length if tenant else MIN_LENGTH)
    except PasswordPolicyError as exc:
        raise AdminError(400, str(exc), "invalid_password") from exc
    password_hash = await hash_password(platform.crypto, password)
    stub = user_object_for_email(platform, tenant_id, address)
    result = await stub.call("create_user", tenant_id, address, connection, password_hash)
    if not result["created"]:
        raise conflict("The user already exists.", "auth0_idp_error")
    return result["user"]
