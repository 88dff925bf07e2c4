"""Where a user lives: one Durable Object per (tenant, email) (design.md, "Consistency rules").

The object is named by the tenant and the normalised email, so logging in by email costs one
Durable Object call and two concurrent signups with one email meet in the same object. The
`user_id` carries the object's id (`auth0|<object id>`), so a read by id needs no index.
"""

from __future__ import annotations

from typing import Any

from edgeauth.platform import Platform
from edgeauth.ports import ObjectStub
from edgeauth.users.opaque import split_token

DATABASE_CONNECTION = "Username-Password-Authentication"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def object_name_for_email(tenant_id: str, email: str) -> str:
    return f"{tenant_id}/email/{normalize_email(email)}"


def object_name_for_identity(tenant_id: str, connection: str, user_id: str) -> str:
    """A federated identity's own object: its user, or an alias to the user it is linked to."""
    return f"{tenant_id}/identity/{connection}/{user_id}"


def user_object_for_email(platform: Platform, tenant_id: str, email: str) -> ObjectStub:
    return platform.users.get_by_name(object_name_for_email(tenant_id, email))


def user_object(platform: Platform, object_id: str) -> ObjectStub | None:
    """The user object with this id, or `None` when the id is not one of this namespace
    (Workers' `idFromString` refuses foreign ids; so does the local runtime)."""
    try:
        return platform.users.get(object_id)
    except ValueError:
        return None


def user_object_for_id(platform: Platform, user_id: str) -> ObjectStub | None:
    """The object of an `auth0|<object id>` user id, or `None` for any other id."""
    return user_object(platform, user_id.partition("|")[2])


def user_object_for_token(platform: Platform, token: str) -> tuple[ObjectStub, str] | None:
    """The object an opaque `{object id}.{secret}` token names, and the secret; else `None`."""
    parts = split_token(token)
    stub = user_object(platform, parts[0]) if parts else None
    return (stub, parts[1]) if stub and parts else None


async def get_user(platform: Platform, user_id: str) -> dict[str, Any] | None:
    stub = user_object_for_id(platform, user_id)
    return None if stub is None else await stub.call("get_user")
