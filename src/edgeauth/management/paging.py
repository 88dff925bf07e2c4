"""Offset paging and field selection, as every Auth0 Management API list endpoint takes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

MAX_PER_PAGE = 100


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
