"""The `Platform` of a Worker or Durable Object env: the bindings' adapters, the vars and the secret,
built once per env and reused (bindings and imported CryptoKeys are not tied to one request)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any

import workers
from workers import _EnvWrapper

from edgeauth.config_store import ConfigStore
from edgeauth.encoding import b64url_decode
from edgeauth.platform import Platform, Settings
from edgeauth.runtime.cloudflare.bindings import (
    D1Database,
    DurableObjectNamespace,
    KVStore,
    QueueProducer,
    SendEmail,
)
from edgeauth.runtime.cloudflare.convert import to_python
from edgeauth.runtime.cloudflare.crypto import WebCrypto
from edgeauth.runtime.cloudflare.fetch import WorkersFetch

SECRET_KEY_VAR = "EDGEAUTH_SECRET_KEY"
BINDING_CONFIG = "CONFIG"
BINDING_DB = "DB"
BINDING_USERS = "USERS"
BINDING_USER_EVENTS = "USER_EVENTS"
BINDING_EMAIL = "EMAIL"  # optional: [[send_email]] name = "EMAIL" (docs/email.md)


def wrap_env(env: Any) -> Any:
    """The env as the SDK wraps it for handlers (`_EnvWrapper` is idempotent)."""
    return _EnvWrapper(env)


def _var(env: Any, name: str) -> Any:
    """A var or secret from the env, None when absent (JS undefined)."""
    try:
        value = getattr(env, name)
    except AttributeError:
        return None
    return to_python(value)


def _binding(env: Any, name: str) -> Any:
    """A binding from the env; a clear error when wrangler.toml does not declare it."""
    value = getattr(env, name, None)
    if value is None:
        raise RuntimeError(f"the Worker has no binding {name!r}: check wrangler.toml")
    return value


def secret_key_from_env(env: Any) -> bytes:
    """`EDGEAUTH_SECRET_KEY`: 32 bytes, base64url (`wrangler secret put EDGEAUTH_SECRET_KEY`)."""
    text = _var(env, SECRET_KEY_VAR)
    if not text:
        raise RuntimeError(
            f"the secret {SECRET_KEY_VAR} is not set: `wrangler secret put {SECRET_KEY_VAR}` "
            "(32 random bytes, base64url; see docs/cloudflare.md)"
        )
    try:
        key = b64url_decode(str(text).strip())
    except ValueError as exc:
        raise RuntimeError(f"{SECRET_KEY_VAR} is not base64url") from exc
    if len(key) != 32:
        raise RuntimeError(f"{SECRET_KEY_VAR} must decode to 32 bytes, not {len(key)}")
    return key


def settings_from_env(env: Any) -> Settings:
    """Settings from the Worker vars (wrangler.toml [vars]): DEFAULT_TENANT, BASE_DOMAIN and, for
    a local harness only, PUBLIC_SCHEME (default https), PUBLIC_PORT and DEFAULT_HOSTS (comma list)."""
    defaults = Settings()
    port = str(_var(env, "PUBLIC_PORT") or "")
    hosts = str(_var(env, "DEFAULT_HOSTS") or "")
    return Settings(
        default_tenant=str(_var(env, "DEFAULT_TENANT") or defaults.default_tenant),
        base_domain=str(_var(env, "BASE_DOMAIN") or defaults.base_domain),
        scheme=str(_var(env, "PUBLIC_SCHEME") or defaults.scheme),
        port=int(port) if port.isdigit() else None,
        default_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
        client_ip_header="cf-connecting-ip",
    )


async def wait_until(work: Awaitable[None]) -> None:
    """`Platform.defer` on Workers: the response does not wait (`ctx.waitUntil`)."""
    workers.wait_until(work)


def build_platform(env: Any) -> Platform:
    """A new `Platform` over the env's bindings, vars and secret."""
    env = wrap_env(env)
    return Platform(
        config=ConfigStore(KVStore(_binding(env, BINDING_CONFIG))),
        db=D1Database(_binding(env, BINDING_DB)),
        users=DurableObjectNamespace(_binding(env, BINDING_USERS)),
        user_events=QueueProducer(_binding(env, BINDING_USER_EVENTS)),
        crypto=WebCrypto(secret_key_from_env(env)),
        settings=settings_from_env(env),
        http=WorkersFetch(),
        email=SendEmail(email) if (email := getattr(env, BINDING_EMAIL, None)) is not None else None,
        defer=wait_until,
    )


_PLATFORMS: OrderedDict[Any, tuple[Any, Platform]] = OrderedDict()
_MAX_CACHED_PLATFORMS = 4


def _env_key(raw_env: Any) -> Any:
    """Identity of the JS env object (`JsProxy.js_id`; each request gets a new proxy)."""
    js_id = getattr(raw_env, "js_id", None)
    return ("js", js_id) if isinstance(js_id, int) else ("py", id(raw_env))


def platform_from_env(env: Any) -> Platform:
    """The `Platform` for a Worker / Durable Object env, built once per env object (the runtime
    hands every request of an isolate the same env) and reused: bindings and imported CryptoKeys
    are not tied to one request; stubs are made per call."""
    wrapped = wrap_env(env)
    raw_env = wrapped.__dict__.get("_env", wrapped)
    key = _env_key(raw_env)
    cached = _PLATFORMS.get(key)
    if cached is not None:
        _PLATFORMS.move_to_end(key)
        return cached[1]
    platform = build_platform(wrapped)
    _PLATFORMS[key] = (raw_env, platform)  # keeps raw_env alive, so its id is not reused
    while len(_PLATFORMS) > _MAX_CACHED_PLATFORMS:
        _PLATFORMS.popitem(last=False)
    return platform
