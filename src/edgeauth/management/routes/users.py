"""Management API v2: `/users` and `/users-by-email`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from edgeauth.admin import users
from edgeauth.admin.errors import bad_request
from edgeauth.admin.lucene import MAX_QUERY_LENGTH, invalid_query
from edgeauth.management.auth import Caller, allowed, check_scope
from edgeauth.management.models.common import changes
from edgeauth.management.models.users import Identity, LinkIdentity, User, UserCreate, UsersPage, UserUpdate
from edgeauth.management.paging import Fields, Paging

router = APIRouter(tags=["users"])

# What a caller with only `update:users_app_metadata` may change (Auth0).
METADATA_ONLY = frozenset({"app_metadata", "user_metadata"})


def _search_engine(search_engine: str) -> None:
    """Auth0 retired user search v1 and v2; v3 is the only engine."""
    if search_engine != "v3":
        raise invalid_query(f"search_engine={search_engine} is not supported, use search_engine=v3")


@router.get("/users", response_model=list[User] | UsersPage, response_model_exclude_unset=True)
async def list_users(
    page: Paging,
    fields: Fields,
    caller: Annotated[Caller, allowed("read:users")],
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="Lucene query (user search v3).")] = "",
    search_engine: Annotated[Literal["v1", "v2", "v3"], Query()] = "v3",
    sort: Annotated[str, Query(max_length=100, description="`field:1` or `field:-1`.")] = "",
    connection: Annotated[str, Query(max_length=128)] = "",
) -> Any:
    _search_engine(search_engine)
    items, total = await users.list_users(
        caller.ctx.platform,
        caller.tenant_id,
        q=q,
        connection=connection,
        sort=sort,
        offset=page.offset,
        limit=page.per_page,
    )
    return page.body("users", [fields.apply(user) for user in items], total)


@router.post("/users", status_code=201, response_model=User, response_model_exclude_unset=True)
async def create_user(body: UserCreate, caller: Annotated[Caller, allowed("create:users")]) -> Any:
    profile = changes(body)
    hashes = {key: profile.pop(key, None) for key in ("password_hash", "custom_password_hash")}
    return await users.create_user(
        caller.ctx.platform,
        caller.tenant_id,
        email=profile.pop("email"),
        password=profile.pop("password", None),
        stored_hash=users.stored_hash(**hashes),
        connection=profile.pop("connection"),
        user_id=profile.pop("user_id", None),
        profile=profile,
    )


@router.get("/users/{id}", response_model=User, response_model_exclude_unset=True)
async def get_user(
    id: str, fields: Fields, caller: Annotated[Caller, allowed("read:users", "read:users_app_metadata")]
) -> Any:
    return fields.apply(await users.get_user(caller.ctx.platform, caller.tenant_id, id))


@router.patch("/users/{id}", response_model=User, response_model_exclude_unset=True)
async def update_user(
    id: str,
    body: UserUpdate,
    caller: Annotated[Caller, allowed("update:users", "update:users_app_metadata")],
) -> Any:
    values = changes(body)
    if not values:
        raise bad_request("Payload validation error: 'Too few properties defined (0), minimum 1'.")
    if not set(values) <= METADATA_ONLY:
        check_scope(caller, ["update:users"])
    return await users.update_user(caller.ctx.platform, caller.tenant_id, id, values)


@router.delete("/users/{id}", status_code=204, response_class=Response)
async def delete_user(id: str, caller: Annotated[Caller, allowed("delete:users")]) -> Response:
    await users.delete_user(caller.ctx.platform, caller.tenant_id, id)
    return Response(status_code=204)


@router.post("/users/{id}/identities", status_code=201, response_model=list[Identity])
async def link_identity(
    id: str, body: LinkIdentity, caller: Annotated[Caller, allowed("update:users")]
) -> Any:
    """Link a secondary account (an enterprise or social one here) into this user."""
    if body.link_with is not None:
        platform, issuer = caller.ctx.platform, caller.ctx.issuer
        secondary = await users.id_token_subject(platform, caller.tenant_id, issuer, body.link_with)
    else:
        secondary = f"{body.provider}|{body.user_id}"
    return await users.link_user(caller.ctx.platform, caller.tenant_id, id, secondary)


@router.delete("/users/{id}/identities/{provider}/{user_id}", response_model=list[Identity])
async def unlink_identity(
    id: str, provider: str, user_id: str, caller: Annotated[Caller, allowed("update:users")]
) -> Any:
    """Unlink a secondary identity: it becomes a user of its own again; the rest is returned."""
    return await users.unlink_user(caller.ctx.platform, caller.tenant_id, id, provider, user_id)


@router.get("/users-by-email", response_model=list[User], response_model_exclude_unset=True)
async def users_by_email(
    fields: Fields,
    caller: Annotated[Caller, allowed("read:users")],
    email: Annotated[str, Query(min_length=3, max_length=320)],
) -> Any:
    found = await users.users_by_email(caller.ctx.platform, caller.tenant_id, email)
    return [fields.apply(user) for user in found]
