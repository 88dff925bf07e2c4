"""Model bases shared by every resource."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """A request body: unknown properties are refused, as Auth0 does (`additionalProperties`)."""

    model_config = ConfigDict(extra="forbid")


class Resource(BaseModel):
    """A response object: the documented fields, plus whatever else the resource carries."""

    model_config = ConfigDict(extra="allow")


def changes(body: BaseModel) -> dict:
    """The fields a PATCH body actually sets."""
    return body.model_dump(exclude_unset=True)
