"""Names shared by every login method: the database connection, and email normalisation.

How users are found (their Durable Objects) is `edgeauth.users.objects`.
"""

from __future__ import annotations

DATABASE_CONNECTION = "Username-Password-Authentication"


def normalize_email(email: str) -> str:
    return email.strip().lower()
