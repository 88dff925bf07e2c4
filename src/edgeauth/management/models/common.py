"""Model bases shared by every resource."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class Body(BaseModel):
    """A request body: unknown properties are refused, as Auth0 does (`additionalProperties`)."""

    model_config = ConfigDict(extra="forbid")


class Patch(Body):
    """A PATCH body: `null` is refused except for the fields listed in `nullable`."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Patch:
        nulls = sorted(k for k in self.model_fields_set - self.nullable if getattr(self, k) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} must not be null")
        return self


class Resource(BaseModel):
    """A response object: the documented fields, plus whatever else the resource carries."""

    model_config = ConfigDict(extra="allow")


def changes(body: BaseModel) -> dict[str, Any]:
    """The fields a PATCH body actually sets."""
    return body.model_dump(exclude_unset=True)
