"""The checks on an upstream provider's ID token (OpenID Connect Core §3.1.3.7), as plain
functions: the review found `azp` unchecked when `aud` has several values, and `iat` unchecked."""

from __future__ import annotations

from typing import Any

import pytest

from edgeauth.connections.strategies import STRATEGIES
from edgeauth.snapshots import Tenant
from edgeauth.upstream.exchange import check_claims
from edgeauth.upstream.provider import Provider, UpstreamError

NOW = 1_800_000_000
PROVIDER = Provider(
    tenant=Tenant("t", "T"),
    connection="idp",
    strategy=STRATEGIES["oidc"],
    issuer="https://idp.example/",
    client_id="our-client",
    scope="openid",
    authorization_endpoint="https://idp.example/authorize",
    token_endpoint="https://idp.example/token",
    jwks_uri="https://idp.example/jwks",
)
GOOD = {
    "iss": "https://idp.example/",
    "aud": "our-client",
    "exp": NOW + 60,
    "iat": NOW,
    "nonce": "n",
    "sub": "u1",
}


def test_a_good_id_token_passes() -> None:
    assert check_claims(dict(GOOD), PROVIDER, "n", NOW)["sub"] == "u1"
    several = {**GOOD, "aud": ["our-client", "other"], "azp": "our-client"}
    assert check_claims(several, PROVIDER, "n", NOW)["sub"] == "u1"


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": ["our-client", "other"]},  # several audiences and no azp
        {"aud": ["our-client", "other"], "azp": "other"},
        {"iat": NOW + 3600},  # issued in the future
        {"iat": NOW - 86400},  # issued a day ago: not from the code just exchanged
        {"iat": "yesterday"},
        {},  # (iat removed below)
    ],
)
def test_azp_and_iat_are_checked(changes: dict[str, Any]) -> None:
    claims = {**GOOD, **changes}
    if not changes:
        del claims["iat"]
    with pytest.raises(UpstreamError):
        check_claims(claims, PROVIDER, "n", NOW)
