"""The social presets against a local server that answers in each provider's real formats
(tests/fake_providers.py): Google and Microsoft (OpenID Connect ID tokens; Microsoft's tenant issuer
template), Apple (a form_post answer sent cross-site, the ES256 client-secret JWT, `"true"` as a
string), GitHub (`/user` + `/user/emails`) and Facebook (`/me`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from auth0.authentication import GetToken

from tests.browser import Browser, code_query, pkce_pair, redirect_params
from tests.conftest import Server
from tests.fake_providers import APPLE_KEY_ID, APPLE_TEAM, CLIENT_ID, CLIENT_SECRET, FakeProviders
from tests.mail_support import id_token_claims

CALLBACK = "https://presets.example/callback"


@dataclass(frozen=True)
class Preset:
    strategy: str
    path: str  # the fake server's prefix
    profile: dict[str, Any]
    user_id: str
    email: str
    email_verified: bool
    name: str


PRESETS = [
    Preset(
        "google-oauth2",
        "google",
        {
            "sub": "109876543210",
            "email": "g@example.com",
            "email_verified": True,
            "name": "Gee Oogle",
            "given_name": "Gee",
            "family_name": "Oogle",
            "picture": "https://lh3.example/p.jpg",
        },
        "109876543210",
        "g@example.com",
        True,
        "Gee Oogle",
    ),
    Preset(
        "windowslive",
        "microsoft",
        {
            "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "email": "m@example.com",
            "name": "Em Soft",
            "preferred_username": "m@example.com",
        },
        "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "m@example.com",
        False,
        "Em Soft",
    ),
    Preset(
        "apple",
        "apple",
        {
            "sub": "001234.5f6e7d8c9b0a.1234",
            "email": "x7@privaterelay.appleid.com",
            "email_verified": "true",
            "is_private_email": "true",
        },
        "001234.5f6e7d8c9b0a.1234",
        "x7@privaterelay.appleid.com",
        True,
        "Ada Lovelace",
    ),
    Preset(
        "github",
        "github",
        {
            "login": "octocat",
            "id": 583231,
            "avatar_url": "https://avatars.example/u/583231",
            "name": "The Octocat",
            "email": None,
            "emails": [
                {"email": "octo@example.com", "primary": True, "verified": True, "visibility": "public"},
                {"email": "old@example.com", "primary": False, "verified": False, "visibility": None},
            ],
        },
        "583231",
        "octo@example.com",
        True,
        "The Octocat",
    ),
    Preset(
        "facebook",
        "facebook",
        {
            "id": "10158000000000001",
            "name": "Fay Book",
            "email": "fb@example.com",
            "first_name": "Fay",
            "last_name": "Book",
            "picture": {
                "data": {"height": 50, "is_silhouette": False, "url": "https://fb.example/p.jpg", "width": 50}
            },
        },
        "10158000000000001",
        "fb@example.com",
        False,
        "Fay Book",
    ),
]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviders]:
    providers = FakeProviders()
    yield providers
    providers.close()


def options(preset: Preset, fake: FakeProviders) -> list[str]:
    base = f"{fake.origin}/{preset.path}"
    extra = {
        "google-oauth2": {"issuer": fake.issuer("google")},
        "windowslive": {
            "discovery_url": f"{base}/common/v2.0/.well-known/openid-configuration",
            "issuer": f"{fake.origin}/microsoft/{{tenantid}}/v2.0",
        },
        "apple": {
            "issuer": fake.issuer("apple"),
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "team_id": APPLE_TEAM,
            "kid": APPLE_KEY_ID,
            "app_secret": fake.apple_p8,
        },
        "github": {
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/user",
            "emails_endpoint": f"{base}/user/emails",
        },
        "facebook": {
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/me",
        },
    }[preset.strategy]
    secret = {} if preset.strategy == "apple" else {"client_secret": CLIENT_SECRET}
    values = {"client_id": CLIENT_ID, **secret, **extra}
    return [arg for key, value in values.items() for arg in ("--option", f"{key}={value}")]


@pytest.fixture(scope="module")
def app(server: Server, fake: FakeProviders) -> dict:
    server.cli("tenants", "update", "--dev-mode", "on")  # the fake providers listen on loopback
    for preset in PRESETS:
        server.cli(
            "connections",
            "create",
            "--name",
            preset.strategy,
            "--strategy",
            preset.strategy,
            *options(preset, fake),
        )
    return server.cli("apps", "create", "--name", "Presets app", "--type", "spa", "--callbacks", CALLBACK)


def preset_login(server: Server, app: dict, fake: FakeProviders, preset: Preset) -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    browser = Browser(server)
    query = code_query(
        app["client_id"],
        CALLBACK,
        challenge,
        scope="openid email profile",
        connection=preset.strategy,
        state="p1",
    )
    location = urlsplit(browser.request("GET", "/authorize", params=query).headers["location"])
    assert location.path == f"/{preset.path}/authorize"
    sent = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert sent["client_id"] == CLIENT_ID and sent["code_challenge_method"] == "S256"
    assert sent["redirect_uri"] == f"{server.origin}/login/callback"
    code = fake.authorize(sent, preset.profile)
    if preset.strategy == "apple":  # a cross-site POST: only the SameSite=None binding cookie goes
        assert sent["response_mode"] == "form_post"
        browser.drop_cookie("edgeauth_tx")
        user = '{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"x7@privaterelay.appleid.com"}'
        back = browser.request(
            "POST", "/login/callback", data={"code": code, "state": sent["state"], "user": user}
        )
    else:
        back = browser.request("GET", "/login/callback", params={"code": code, "state": sent["state"]})
    params = redirect_params(back)
    assert params["state"] == "p1", params
    tokens = GetToken(server.domain, app["client_id"], protocol="http").authorization_code_pkce(
        verifier, params["code"], CALLBACK
    )
    return id_token_claims(server, app, tokens["id_token"])


@pytest.mark.parametrize("preset", PRESETS, ids=[p.strategy for p in PRESETS])
def test_preset_login_maps_the_profile(
    server: Server, app: dict, fake: FakeProviders, preset: Preset
) -> None:
    claims = preset_login(server, app, fake, preset)
    assert claims["sub"].startswith(f"{preset.strategy}|")
    assert (claims["email"], claims["email_verified"], claims["name"]) == (
        preset.email,
        preset.email_verified,
        preset.name,
    )
    user = server.cli("users", "get", claims["sub"])
    [identity] = user["identities"]
    assert (identity["provider"], identity["user_id"], identity["connection"], identity["isSocial"]) == (
        preset.strategy,
        preset.user_id,
        preset.strategy,
        True,
    )
    assert preset_login(server, app, fake, preset)["sub"] == claims["sub"]  # the same user again
