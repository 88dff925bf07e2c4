"""How users are looked up by email: one normal form of an address."""

from __future__ import annotations


def normalize_email(email: str) -> str:
    return email.strip().lower()
