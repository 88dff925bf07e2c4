"""Management API v2: tenants (stub, being filled in)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
