"""From what the provider says to Auth0's user: the identity (`identities[]`, `profileData`) and the
normalized root profile (Auth0 "User Profile Structure"). OpenID Connect providers speak in the ID
token's claims (Apple adds the name in its first `user` post); GitHub and Facebook through their
profile APIs. `email_verified` is true only when the provider asserts it."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from edgeauth.platform import Platform
from edgeauth.upstream.provider import Provider, UpstreamError
from edgeauth.users.directory import normalize_email

log = logging.getLogger(__name__)

PROFILE_FIELDS = ("name", "given_name", "family_name", "nickname", "picture", "locale")
FACEBOOK_FIELDS = "id,name,email,first_name,last_name,picture"


def asserted(value: Any) -> bool:
    """`true` (Apple sends the string "true")."""
    return value is True or value == "true"


def normalized(raw: dict[str, Any]) -> dict[str, Any]:
    email = raw.get("email") if isinstance(raw.get("email"), str) and raw.get("email") else None
    return {
        "email": normalize_email(email) if email else None,
        "email_verified": bool(email) and asserted(raw.get("email_verified")),
        **{name: raw[name] for name in PROFILE_FIELDS if isinstance(raw.get(name), str) and raw[name]},
    }


async def fetch_json(platform: Platform, provider: Provider, url: str, access_token: str) -> Any:
    headers = {
        "Authorization": f"Bearer {access_token}",
        "Accept": "application/json",
        "User-Agent": "edgeauth",
    }
    try:
        response = await platform.http.get(url, headers, allow_loopback=provider.tenant.dev_mode)
        document = json.loads(response.body)
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("profile %s not read: %s", url, exc)
        raise UpstreamError("The provider's profile could not be read.") from exc
    if response.status != 200:
        raise UpstreamError(f"The provider's profile answered {response.status}.")
    return document


def apple_name(params: dict[str, Any]) -> dict[str, Any]:
    """Apple posts `user` (JSON with `name.firstName`, `name.lastName`) on the first login only."""
    try:
        user = json.loads(str(params.get("user") or "{}"))
        name = user.get("name") or {}
        first, last = str(name.get("firstName") or ""), str(name.get("lastName") or "")
    except (ValueError, AttributeError):
        return {}
    full = " ".join(filter(None, (first, last)))
    return {k: v for k, v in {"given_name": first, "family_name": last, "name": full}.items() if v}


async def github(
    platform: Platform, provider: Provider, tokens: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """`GET /user` and `GET /user/emails` (the primary address and whether GitHub verified it)."""
    user = await fetch_json(platform, provider, provider.userinfo_endpoint, tokens["access_token"])
    emails = await fetch_json(
        platform, provider, str(provider.options.get("emails_endpoint", "")), tokens["access_token"]
    )
    primary = (
        next((e for e in emails if isinstance(e, dict) and e.get("primary")), {})
        if isinstance(emails, list)
        else {}
    )
    if not isinstance(user, dict) or "id" not in user:
        raise UpstreamError("GitHub's profile has no id.")
    raw = {
        "email": primary.get("email") or user.get("email"),
        "email_verified": primary.get("verified") is True,
        "name": user.get("name") or user.get("login"),
        "nickname": user.get("login"),
        "picture": user.get("avatar_url"),
    }
    return str(user["id"]), raw


async def facebook(
    platform: Platform, provider: Provider, tokens: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """`GET /me?fields=…`; Facebook's email is not taken as verified (it never links an account)."""
    url = f"{provider.userinfo_endpoint}?{urlencode({'fields': FACEBOOK_FIELDS})}"
    me = await fetch_json(platform, provider, url, tokens["access_token"])
    if not isinstance(me, dict) or "id" not in me:
        raise UpstreamError("Facebook's profile has no id.")
    picture = (
        me.get("picture", {}).get("data", {}).get("url") if isinstance(me.get("picture"), dict) else None
    )
    raw = {
        "email": me.get("email"),
        "name": me.get("name"),
        "given_name": me.get("first_name"),
        "family_name": me.get("last_name"),
        "picture": picture,
    }
    return str(me["id"]), raw


async def userinfo(
    platform: Platform, provider: Provider, tokens: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """A generic OAuth 2.0 provider's profile endpoint, read with OpenID Connect's claim names
    (`sub`, or `id`; `email`, `email_verified`, `name`, `picture` …)."""
    document = await fetch_json(platform, provider, provider.userinfo_endpoint, tokens["access_token"])
    subject = document.get("sub") or document.get("id") if isinstance(document, dict) else None
    if subject is None or isinstance(subject, dict | list):
        raise UpstreamError("The provider's profile has no sub or id.")
    return str(subject), document


ProfileApi = Callable[[Platform, Provider, dict[str, Any]], Awaitable[tuple[str, dict[str, Any]]]]
PROFILE_APIS: dict[str, ProfileApi] = {"github": github, "facebook": facebook, "oauth2": userinfo}


async def federated_identity(
    platform: Platform,
    provider: Provider,
    tokens: dict[str, Any],
    claims: dict[str, Any] | None,
    params: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(identity, profile) from the ID token's claims, or from the provider's profile API."""
    if claims is not None:
        subject, raw = claims["sub"], {**claims, **apple_name(params)}
    else:
        subject, raw = await PROFILE_APIS[provider.strategy.provider](platform, provider, tokens)
    profile = normalized(raw)
    identity = {
        "provider": provider.strategy.provider,
        "user_id": subject,
        "connection": provider.connection,
        "isSocial": provider.strategy.is_social,
        "profileData": {k: v for k, v in profile.items() if v is not None},
    }
    return identity, profile
