"""Users: Auth0 `/api/v2/users` bodies and the user object."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from edgeauth.management.models.common import Body, Resource

Text = Annotated[str, Field(min_length=1, max_length=300)]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Metadata = Annotated[dict[str, Any], Field(max_length=200)]


class UserProfile(Body):
    """Root attributes a database user can be created or updated with."""

    email_verified: bool | None = None
    name: Text | None = None
    given_name: Text | None = None
    family_name: Text | None = None
    nickname: Text | None = None
    picture: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    username: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S+$")] | None = None
    blocked: bool | None = None
    app_metadata: Metadata | None = None
    user_metadata: Metadata | None = None


class UserCreate(UserProfile):
    """A password, or a hash brought from elsewhere (bcrypt `password_hash` or Auth0's
    `custom_password_hash`, checked by `edgeauth.users.imported_hashes`); `user_id` keeps an id."""

    connection: Annotated[str, Field(min_length=1, max_length=128)]
    email: Email
    password: Password | None = None
    password_hash: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    custom_password_hash: Annotated[dict[str, Any], Field(max_length=10)] | None = None
    user_id: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^\S+$")] | None = None

    @model_validator(mode="after")
    def one_password(self) -> UserCreate:
        given = [self.password, self.password_hash, self.custom_password_hash]
        if sum(value is not None for value in given) != 1:
            raise ValueError("exactly one of password, password_hash and custom_password_hash is required")
        return self


class UserUpdate(UserProfile):
    connection: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    email: Email | None = None
    password: Password | None = None


class Identity(Resource):
    connection: str
    user_id: str
    provider: str
    isSocial: bool


class User(Resource):
    """Every field is optional: `fields`/`include_fields` may select any subset."""

    user_id: str | None = None
    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    username: str | None = None
    picture: str | None = None
    identities: list[Identity] | None = None
    app_metadata: dict[str, Any] | None = None
    user_metadata: dict[str, Any] | None = None
    blocked: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    last_login: str | None = None
    last_ip: str | None = None
    logins_count: int | None = None


class UsersPage(Resource):
    start: int
    limit: int
    length: int
    total: int
    users: list[User]


class LinkIdentity(Body):
    """Auth0 `POST /users/{id}/identities`: the secondary account by `provider` and `user_id` (its id
    without the provider; `connection_id` is accepted, not needed), or by `link_with` (its ID token)."""

    provider: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^|\s]+$")] | None = None
    user_id: Annotated[str, Field(min_length=1, max_length=300, pattern=r"^\S+$")] | None = None
    connection_id: Annotated[str, Field(max_length=128)] | None = None
    link_with: Annotated[str, Field(min_length=1, max_length=8192)] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> LinkIdentity:
        if (self.link_with is None) == (self.provider is None or self.user_id is None):
            raise ValueError("Send either link_with, or provider and user_id.")
        return self
