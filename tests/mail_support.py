"""What the tests read of sent email: the local outbox, through the CLI (in either mode)."""

from __future__ import annotations

import re
from typing import Any

from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, TokenVerifier

from tests.conftest import Server, eventually


def emails_to(server: Server, to: str, count: int = 1, tenant: str = "") -> list[dict[str, Any]]:
    """The emails to `to` in the (tenant's) outbox, newest first, once at least `count` arrived (the
    queue consumer delivers them within seconds)."""
    tenant_args = ("--tenant", tenant) if tenant else ()
    messages = eventually(
        lambda: server.cli("outbox", "--to", to, *tenant_args), lambda found: len(found) >= count
    )
    assert len(messages) >= count, f"{len(messages)} email(s) to {to}, expected {count}"
    return messages


def last_email(server: Server, to: str, count: int = 1, tenant: str = "") -> dict[str, Any]:
    """The newest email to `to`, once `count` of them arrived."""
    return emails_to(server, to, count, tenant)[0]


def email_code(server: Server, to: str, count: int = 1, tenant: str = "") -> str:
    text = last_email(server, to, count, tenant)["text"]
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def email_link(server: Server, to: str, count: int = 1, tenant: str = "") -> str:
    """The link in the newest email, as a path (the tests' HTTP client adds the host)."""
    text = last_email(server, to, count, tenant)["text"]
    match = re.search(r"https?://[^/\s]+(/[^\s\"<>]+)", text)
    assert match, text
    return match.group(1)


def id_token_claims(server: Server, app: dict, id_token: str) -> dict[str, Any]:
    verifier = AsymmetricSignatureVerifier(f"{server.origin}/.well-known/jwks.json")
    return TokenVerifier(verifier, f"{server.origin}/", app["client_id"]).verify(id_token)
