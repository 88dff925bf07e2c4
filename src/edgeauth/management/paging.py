"""Offset paging, checkpoint paging and field selection, as Auth0 Management API list endpoints
take them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

from edgeauth.admin.errors import bad_request
from edgeauth.admin.rows import Position
from edgeauth.encoding import b64url_decode, b64url_encode

MAX_PER_PAGE = 100
DEFAULT_TAKE = 50


@dataclass(frozen=True)
class Page:
    page: int
    per_page: int
    include_totals: bool

    @property
    def offset(self) -> int:
        return self.page * self.per_page

    def body(self, key: str, items: list[Any], total: int) -> Any:
        """A bare array, or `{start, limit, length, total, <key>}` with `include_totals=true`."""
        if not self.include_totals:
            return items
        return {
            "start": self.offset,
            "limit": self.per_page,
            "length": len(items),
            "total": total,
            key: items,
        }


def _page(
    page: Annotated[int, Query(ge=0, le=100_000, description="Page index, from 0.")] = 0,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page.")] = 50,
    include_totals: Annotated[bool, Query(description="Wrap the list with paging totals.")] = False,
) -> Page:
    return Page(page, per_page, include_totals)


Paging = Annotated[Page, Depends(_page)]


def checkpoint_token(position: Position) -> str:
    """The opaque `next` of a checkpoint page: where its last item sits."""
    return b64url_encode(json.dumps(list(position)).encode())


def checkpoint_position(token: str) -> Position:
    """The position a `next` token names; a 400 for anything this API did not hand out."""
    try:
        created_at, item_id = json.loads(b64url_decode(token))
    except (ValueError, TypeError):
        created_at = item_id = None
    if not isinstance(created_at, str) or not isinstance(item_id, str):
        raise bad_request("The 'from' parameter is not a checkpoint of this list.", "invalid_query_string")
    return created_at, item_id


@dataclass(frozen=True)
class Checkpoint:
    """Auth0's checkpoint paging (`from` + `take`): when either is given, `page`, `per_page` and
    `include_totals` are ignored and the answer is `{<key>: [...], next}`, `next` absent on the
    last page."""

    after: Position | None
    take: int

    @staticmethod
    def body(key: str, items: list[Any], last: Position | None) -> dict[str, Any]:
        return {key: items, **({"next": checkpoint_token(last)} if last is not None else {})}


# Checkpoint paging's query parameters (the logs take a log id as `from`: routes/logs.py).
From = Annotated[str | None, Query(alias="from", max_length=512, description="The `next` of a page.")]
Take = Annotated[int | None, Query(ge=1, le=MAX_PER_PAGE, description="Checkpoint: items per page.")]


def _checkpoint(from_: From = None, take: Take = None) -> Checkpoint | None:
    if from_ is None and take is None:
        return None
    return Checkpoint(checkpoint_position(from_) if from_ else None, take or DEFAULT_TAKE)


Checkpointing = Annotated[Checkpoint | None, Depends(_checkpoint)]


@dataclass(frozen=True)
class FieldSelection:
    fields: list[str]
    include: bool

    def apply(self, item: dict[str, Any], always: tuple[str, ...] = ()) -> dict[str, Any]:
        """`fields=a,b` keeps (or with `include_fields=false` drops) those keys."""
        if not self.fields:
            return item
        if self.include:
            return {k: v for k, v in item.items() if k in self.fields or k in always}
        return {k: v for k, v in item.items() if k not in self.fields or k in always}


def _fields(
    fields: Annotated[str, Query(max_length=2000, description="Comma-separated fields.")] = "",
    include_fields: Annotated[bool, Query(description="Include (true) or exclude (false) `fields`.")] = True,
) -> FieldSelection:
    return FieldSelection([f.strip() for f in fields.split(",") if f.strip()], include_fields)


Fields = Annotated[FieldSelection, Depends(_fields)]
