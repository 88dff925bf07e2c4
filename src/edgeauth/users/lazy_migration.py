"""Lazy (trickle) migration from a live Auth0 tenant: Auth0's `import_mode` on the database connection
(docs/migrating-from-auth0.md, "Lazy migration").

With `options.import_mode` true and `options.upstream_domain`, `client_id` and `client_secret` (an
upstream application allowed the password-realm grant), a password login for an email nobody here
has is tried at the upstream tenant's `/oauth/token` (grant `password-realm`, realm = this
connection's name). When it succeeds, the user is created here with the upstream `sub` as its
`user_id`, the password hashed as the tenant hashes its own, and the profile the upstream ID token
carries (its signature, issuer, audience and expiry checked); the login then goes on here. From
then on the user is local: upstream is never asked again for it. A refusal upstream creates
nothing and answers as a wrong password does.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any
from urllib.parse import urlencode

from edgeauth.connections import DATABASE_CONNECTION
from edgeauth.connections.options import connection_options
from edgeauth.jose import decode_verified, unverified_json
from edgeauth.jwks_cache import jwks_keys
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant
from edgeauth.users.accounts import AccountError, check_email, create_account
from edgeauth.users.answers import MESSAGES, Login, MfaPending, Refusal, Refused
from edgeauth.users.completion import token_grant
from edgeauth.users.objects import UserObjects
from edgeauth.users.passwords import hash_password

PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
# What an upstream ID token may bring into the new user's profile.
PROFILE_CLAIMS = ("email_verified", "name", "nickname", "picture", "given_name", "family_name")
CLOCK_SKEW_SECONDS = 60

log = logging.getLogger(__name__)


async def login_with_password(
    platform: Platform,
    tenant: Tenant,
    email: str,
    password: str,
    finish: dict[str, Any] | None,
    ip: str,
) -> Login | MfaPending | Refused:
    """The database connection's password check, migrating first a user unknown here, or one
    here without a password yet (imported without a hash, or by a refresh token), when the
    connection imports from an upstream tenant. Every refusal reads as a wrong password."""
    users = UserObjects(platform, tenant.id)
    result = await users.by_email(email).login_with_password(password, finish, ip)
    if not isinstance(result, Refused) or result.code not in (Refusal.WRONG_CREDENTIALS, Refusal.NO_PASSWORD):
        return result
    if await migrate_user(
        platform, tenant, users, email, password, unmigrated=result.code == Refusal.NO_PASSWORD
    ):
        return await users.by_email(email).login_with_password(password, finish, ip)
    return Refused(Refusal.WRONG_CREDENTIALS, MESSAGES[Refusal.WRONG_CREDENTIALS])


async def migrate_user(
    platform: Platform, tenant: Tenant, users: UserObjects, email: str, password: str, *, unmigrated: bool
) -> bool:
    """Whether the upstream tenant knew this email and password and the user now lives here (with
    the password: `unmigrated` is a user here without one, who must have the upstream `sub`)."""
    options = await connection_options(platform, tenant.id, DATABASE_CONNECTION) or {}
    if not options.get("import_mode") or not options.get("upstream_domain"):
        return False
    here = (await users.by_email(email).snapshot())["user"]
    if (here is not None) != unmigrated:
        return False  # a user of ours with a password: it was wrong
    origin = upstream_origin(str(options["upstream_domain"]))
    claims = await _upstream_login(platform, tenant, origin, options, email, password)
    if claims is None or (here is not None and here["user_id"] != claims["sub"]):
        return False
    hashed = await hash_password(platform.crypto, password)
    if here is not None:
        found = await users.find(here["user_id"])
        return (
            found is not None and await found[0].update_user({"imported_password_hash": hashed}) is not None
        )
    profile = {key: claims[key] for key in PROFILE_CLAIMS if key in claims}
    try:
        await create_account(users, check_email(email), DATABASE_CONNECTION, hashed, profile, claims["sub"])
    except AccountError:
        return False
    return True


async def exchange_refresh_token(
    platform: Platform,
    tenant: Tenant,
    client_id: str,
    client_secret: str,
    token: str,
    request: dict[str, Any],
    ip: str,
) -> Login | MfaPending | Refused | None:
    """An upstream refresh token presented here: exchanged once upstream (the same `client_id`:
    a tenant copied with its apps' ids), the user found or created here by the upstream `sub`, and
    replaced by tokens of ours. None when the connection does not migrate or upstream refuses."""
    options = await connection_options(platform, tenant.id, DATABASE_CONNECTION) or {}
    if not options.get("import_mode") or not options.get("upstream_domain"):
        return None
    origin = upstream_origin(str(options["upstream_domain"]))
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id}
    tokens = await _upstream_tokens(platform, tenant, origin, {**form, "client_secret": client_secret})
    if tokens is None:
        return None
    claims = await _verified_claims(platform, tenant, origin, client_id, tokens["id_token"], None)
    if claims is None:
        return None
    users = UserObjects(platform, tenant.id)
    if await users.find(claims["sub"]) is None and isinstance(claims.get("email"), str):
        profile = {key: claims[key] for key in PROFILE_CLAIMS if key in claims}
        try:
            await create_account(
                users, check_email(claims["email"]), DATABASE_CONNECTION, None, profile, claims["sub"]
            )
        except AccountError:
            return None
    found = await users.find(claims["sub"])
    if found is None:
        return None
    scope = " ".join(dict.fromkeys([*str(tokens.get("scope") or "openid").split(), "offline_access"]))
    finish = token_grant({**request, "scope": scope}, refresh_allowed=True)
    digest = hashlib.sha256(token.encode()).hexdigest()
    return await found[0].exchange_upstream_refresh_token(digest, finish, ip)


def upstream_origin(domain: str) -> str:
    """`login.acme.com` → `https://login.acme.com`; an origin given whole is kept (loopback http for
    a tenant in dev mode, as tests use)."""
    return domain.rstrip("/") if "://" in domain else f"https://{domain.rstrip('/')}"


async def _upstream_login(
    platform: Platform, tenant: Tenant, origin: str, options: dict[str, Any], email: str, password: str
) -> dict[str, Any] | None:
    """The upstream password-realm grant; the verified ID token's claims, or None when refused."""
    form = {
        "grant_type": PASSWORD_REALM,
        "realm": DATABASE_CONNECTION,
        "username": email,
        "password": password,
        "client_id": str(options.get("client_id", "")),
        "client_secret": str(options.get("client_secret", "")),
        "scope": "openid profile email",
    }
    tokens = await _upstream_tokens(platform, tenant, origin, form)
    if tokens is None:
        return None
    return await _verified_claims(platform, tenant, origin, form["client_id"], tokens["id_token"], email)


async def _upstream_tokens(
    platform: Platform, tenant: Tenant, origin: str, form: dict[str, str]
) -> dict[str, Any] | None:
    """The upstream token endpoint's answer when it holds an ID token; None when refused."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    try:
        response = await platform.http.post(
            f"{origin}/oauth/token", urlencode(form).encode(), headers, allow_loopback=tenant.dev_mode
        )
        tokens = json.loads(response.body) if response.status == 200 else None
    except (OSError, ValueError, RecursionError) as exc:  # an unsafe URL is a ValueError
        log.warning("lazy migration: %s/oauth/token failed: %s", origin, exc)
        return None
    if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        return None
    return tokens


async def _verified_claims(
    platform: Platform, tenant: Tenant, origin: str, client_id: str, id_token: str, email: str | None
) -> dict[str, Any] | None:
    """The upstream ID token's claims if signed by the upstream tenant's keys, for this client,
    live, about this email (when one is expected), and of a database user (`auth0|…`)."""
    kid = unverified_json(id_token, 0).get("kid")
    keys = await jwks_keys(
        platform, tenant, f"{origin}/.well-known/jwks.json", kid if isinstance(kid, str) else ""
    )
    claims = decode_verified(id_token, keys)
    if claims is None:
        return None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    exp = claims.get("exp")
    checks = (
        claims.get("iss") == f"{origin}/",
        client_id in audiences,
        isinstance(exp, int | float) and exp + CLOCK_SKEW_SECONDS >= platform.now(),
        email is None or str(claims.get("email", email)).lower() == email.lower(),
        isinstance(claims.get("sub"), str) and str(claims.get("sub")).startswith("auth0|"),
    )
    return claims if all(checks) else None
