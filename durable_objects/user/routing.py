"""How a call reaches the user it is for (docs/security.md, "Tenants are separate by construction"): every
RPC names its tenant first.

The Worker reaches a user object only through `edgeauth.users.objects.UserObjects`, a handle bound
to one tenant, which passes a *reach* as the first argument of every call:

- `{"tenant", "name"}`: by the name the object is made from (an email or a federated identity);
- `{"tenant", "user_id"}`: by the user's id, which must be the user's current one (ids are never
  reused: a user created again gets a new one);
- `{"tenant"}`: by an opaque token (`{object id}.{secret}`) the object itself checks (with
  `named_refusals` when the caller reads refusals that name the user: a Worker of an earlier
  version gets them without);
- `{"tenant", "name", "holder": True}`: forwarded by a name's object to the object holding it.

Each RPC method is wrapped by one decorator here that admits the call or answers with that
method's ordinary refusal (a wrong tenant looks exactly like an unknown user, code or session).
"""

from __future__ import annotations

import copy
import functools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from durable_objects.user import identities, names
from edgeauth.platform import Platform
from edgeauth.ports import ObjectState
from edgeauth.users.answers import NAMED_REFUSALS, unnamed
from edgeauth.users.objects import UserObjects

Reach = dict[str, Any]
RpcMethod = Callable[..., Awaitable[Any]]
# What a holder answers when it no longer holds the name (its user's email changed again, the
# identity was unlinked, the user deleted): the name's object forgets it and routes afresh.
NOT_HELD = {"routing": "not_held"}
# A name claimed for an email change this recently counts as held even before the user's new email
# is written (the change is claimed first, then written).
CLAIM_GRACE_SECONDS = 60
# The mark of a routed method: only those are RPC methods (`rpc_surface`).
ROUTED = "__routed__"
T = TypeVar("T")


class Place(Protocol):
    """Where a call lands: the object's storage, platform, user row and clock (`profile.Profile`)."""

    state: ObjectState
    env: Platform

    def row(self) -> dict[str, Any] | None: ...

    def now(self) -> int: ...


class Routed(Protocol):
    """A user object: its RPC methods are routed by the decorators below."""

    profile: Place


def _refused(refusal: Any) -> Any:
    return copy.deepcopy(refusal)


def holds(place: Place, name: str) -> bool:
    """Whether this object's user answers to `name` now."""
    row = place.row()
    if row is None:
        return False
    if name.startswith(names.EMAIL):
        return bool(row["email"] == name.removeprefix(names.EMAIL))
    if name.startswith(names.USER_ID):
        return bool(row["user_id"] == name.removeprefix(names.USER_ID))
    connection, _, user_id = name.removeprefix(names.IDENTITY).partition("/")
    return identities.has_connection_identity(place.state.storage, connection, user_id)


def answers_to(place: Place, name: str) -> bool:
    """Whether a call for `name` is this object's to answer: its user holds the name, or it has
    no user and nobody else holds the name (a new or emptied name's object, or successor)."""
    if holds(place, name):
        return True
    found = names.read(place.state.storage)
    return place.row() is None and found is not None and found.name == name and found.holder is None


async def still_held(place: Place, name: names.ObjectName, tenant_id: str) -> bool:
    """Whether the holder this name points to still has it (or claimed it moments ago)."""
    if name.holder is None:
        return False
    if place.now() - name.held_since < CLAIM_GRACE_SECONDS:
        return True
    answer = await UserObjects(place.env, tenant_id).holder(name.name, name.holder).email_snapshot()
    return answer != NOT_HELD and answer.get("user") is not None


def _owner(place: Place, reach: Reach) -> names.ObjectName | None:
    """This object's name record if it belongs to the reach's tenant; recorded on a first call by
    name (also a holder's forward to a new successor). `None`: refuse."""
    storage = place.state.storage
    found = names.read(storage)
    if found is None and "name" in reach:
        found = names.record(storage, reach["tenant"], reach["name"])
    if found is None or found.tenant_id != reach["tenant"]:
        return None
    return found


async def _forward(place: Place, holder: str, method: str, reach: Reach, args: tuple[Any, ...]) -> Any:
    return await UserObjects(place.env, reach["tenant"]).holder(reach["name"], holder).forward(method, *args)


async def _route_name(
    obj: Routed, method: RpcMethod, reach: Reach, args: tuple[Any, ...], refusal: Any, creates: bool
) -> Any:
    place = obj.profile
    owner = _owner(place, reach)
    name = reach.get("name")
    if owner is None or not isinstance(name, str):
        return _refused(refusal)
    run = functools.partial(method, obj, reach["tenant"], *args)
    if reach.get("holder"):
        return await run() if answers_to(place, name) else dict(NOT_HELD)
    if owner.name != name:
        return _refused(refusal)
    if holds(place, name):
        return await run()
    if owner.holder is not None:
        answer = await _forward(place, owner.holder, method.__name__, reach, args)
        if answer != NOT_HELD:
            return answer
        if place.now() - owner.held_since < CLAIM_GRACE_SECONDS:
            return _refused(refusal)
        names.release_holder(place.state.storage, owner.holder)
    if place.row() is None:
        return await run()
    if not creates or owner.email is None:
        return _refused(refusal)
    # This object's user left the email: a new user with it lives in an object of its own.
    successor = place.env.users.id_from_name(f"{reach['tenant']}/successor/{secrets.token_hex(16)}")
    names.set_holder(place.state.storage, successor, place.now())
    return await _forward(place, successor, method.__name__, reach, args)


def rpc_surface(cls: type[T]) -> type[T]:
    """Class decorator: `RPC_METHODS`, what the runtimes expose, is exactly the routed methods."""
    methods = tuple(name for name, value in vars(cls).items() if hasattr(value, ROUTED))
    setattr(cls, "RPC_METHODS", methods)  # noqa: B010 (`cls` is any class; it declares the ClassVar)
    return cls


def _routed(method: RpcMethod, routed: RpcMethod) -> RpcMethod:
    wrapped = functools.wraps(method)(routed)
    setattr(wrapped, ROUTED, True)
    return wrapped


def by_name(refusal: Any, *, creates: bool = False) -> Callable[[RpcMethod], RpcMethod]:
    """An RPC reached by an email or identity: run where the name is held now; `creates` lets a
    name nobody holds start a new user (a signup, a first passwordless or federated login)."""

    def decorate(method: RpcMethod) -> RpcMethod:
        async def routed(self: Routed, reach: Reach, *args: Any) -> Any:
            return await _route_name(self, method, reach, args, refusal, creates)

        return _routed(method, routed)

    return decorate


def naming(refusal: Any) -> Callable[[RpcMethod], RpcMethod]:
    """An RPC about the name itself (claim, release, point to a holder): run on the name's object."""

    def decorate(method: RpcMethod) -> RpcMethod:
        async def routed(self: Routed, reach: Reach, *args: Any) -> Any:
            owner = _owner(self.profile, reach)
            if owner is None or owner.name != reach.get("name") or reach.get("holder"):
                return _refused(refusal)
            return await method(self, reach["tenant"], *args)

        return _routed(method, routed)

    return decorate


def by_user_id(refusal: Any) -> Callable[[RpcMethod], RpcMethod]:
    """An RPC reached by `user_id`: only the user who has that id now (a deleted user's id, or the
    id of a user created before this one in the same object, reaches nobody)."""

    def decorate(method: RpcMethod) -> RpcMethod:
        async def routed(self: Routed, reach: Reach, *args: Any) -> Any:
            row = self.profile.row()
            if _owner(self.profile, reach) is None or row is None or row["user_id"] != reach.get("user_id"):
                return _refused(refusal)
            return await method(self, reach["tenant"], *args)

        return _routed(method, routed)

    return decorate


def by_token(refusal: Any) -> Callable[[RpcMethod], RpcMethod]:
    """An RPC reached by an opaque token: only on the tenant's own object (the method checks the
    secret)."""

    def decorate(method: RpcMethod) -> RpcMethod:
        async def routed(self: Routed, reach: Reach, *args: Any) -> Any:
            if _owner(self.profile, {"tenant": reach.get("tenant")}) is None:
                return _refused(refusal)
            answer = await method(self, reach["tenant"], *args)
            return answer if reach.get(NAMED_REFUSALS) else unnamed(answer)

        return _routed(method, routed)

    return decorate
