"""Management API v2: a user's roles and permissions (stub, being filled in)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
