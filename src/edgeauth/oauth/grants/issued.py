"""What a grant of the token endpoint ends in: the token response (RFC 6749 §5.1) and whom it
was issued to, for Auth0's exchange log events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Issued:
    body: dict[str, Any]
    # The user the tokens are for; empty for a client's own tokens (client credentials).
    user_id: str = ""
