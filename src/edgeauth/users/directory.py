"""Where a user lives: one Durable Object per (tenant, email) (design.md, "Consistency rules").

The object is named by the tenant and the normalised email, so logging in by email costs one
Durable Object call and two concurrent signups with one email meet in the same object. The
`user_id` carries the object's id (`auth0|<object id>`), so a read by id needs no index.
"""

from __future__ import annotations

from typing import Any

from edgeauth.platform import Platform
from edgeauth.ports import ObjectStub

DATABASE_CONNECTION = "Username-Password-Authentication"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def object_name_for_email(tenant_id: str, email: str) -> str:
    return f"{tenant_id}/email/{normalize_email(email)}"


def user_object_for_email(platform: Platform, tenant_id: str, email: str) -> ObjectStub:
    return platform.users.get_by_name(object_name_for_email(tenant_id, email))


def user_object_for_id(platform: Platform, user_id: str) -> ObjectStub | None:
    """The object of an `auth0|<64 hex>` user id, or `None` for an id of another shape."""
    _, _, object_id = user_id.partition("|")
    if len(object_id) != 64 or any(c not in "0123456789abcdef" for c in object_id):
        return None
    return platform.users.get(object_id)


async def get_user(platform: Platform, user_id: str) -> dict[str, Any] | None:
    stub = user_object_for_id(platform, user_id)
    return None if stub is None else await stub.call("get_user")
