"""The upstream strategies: Auth0's generic `oidc` and the social presets, each with its real
endpoints as defaults. Every endpoint (and Apple's and Microsoft's issuer) is a connection option
with that name, so a connection can point any of them elsewhere (a regional host, a proxy, tests)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Strategy:
    provider: str  # Auth0's identity `provider`
    is_social: bool
    openid: bool  # an ID token (OpenID Connect), else a profile API (plain OAuth 2.0)
    defaults: dict[str, str] = field(default_factory=dict)
    form_post: bool = False  # the provider posts its answer (`response_mode=form_post`)


STRATEGIES = {
    "oidc": Strategy("oidc", is_social=False, openid=True, defaults={"scope": "openid profile email"}),
    # Auth0's "custom social connection": plain OAuth 2.0, the profile from `userinfo_endpoint`
    # (standard claim names; Auth0's fetchUserProfile script has no place on Workers).
    "oauth2": Strategy("oauth2", is_social=True, openid=False),
    "google-oauth2": Strategy(
        "google-oauth2",
        is_social=True,
        openid=True,
        defaults={"issuer": "https://accounts.google.com", "scope": "openid profile email"},
    ),
    "windowslive": Strategy(
        "windowslive",
        is_social=True,
        openid=True,
        defaults={
            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
            "discovery_url": "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
            "scope": "openid profile email",
        },
    ),
    "apple": Strategy(
        "apple",
        is_social=True,
        openid=True,
        defaults={
            "issuer": "https://appleid.apple.com",
            "authorization_endpoint": "https://appleid.apple.com/auth/authorize",
            "token_endpoint": "https://appleid.apple.com/auth/token",
            "jwks_uri": "https://appleid.apple.com/auth/keys",
            "scope": "name email",
        },
        form_post=True,
    ),
    "github": Strategy(
        "github",
        is_social=True,
        openid=False,
        defaults={
            "authorization_endpoint": "https://github.com/login/oauth/authorize",
            "token_endpoint": "https://github.com/login/oauth/access_token",
            "userinfo_endpoint": "https://api.github.com/user",
            "emails_endpoint": "https://api.github.com/user/emails",
            "scope": "read:user user:email",
        },
    ),
    "facebook": Strategy(
        "facebook",
        is_social=True,
        openid=False,
        defaults={
            "authorization_endpoint": "https://www.facebook.com/v19.0/dialog/oauth",
            "token_endpoint": "https://graph.facebook.com/v19.0/oauth/access_token",
            "userinfo_endpoint": "https://graph.facebook.com/v19.0/me",
            "scope": "email public_profile",
        },
    ),
}
