"""The user object's own guards, on an in-process local runtime with a manual clock (real SQLite,
real objects): it refuses calls for another tenant, routes a name only to whoever has it now,
never gives an id twice, and throttles guessing without locking the owner out.

Regressions of the security review (docs/security.md)."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from edgeauth.admin import guardian
from edgeauth.admin.tenants import DEV_MODE_KEY, create_tenant, update_settings
from edgeauth.admin.users import create_user, delete_user, update_user
from edgeauth.ports import Crypto
from edgeauth.runtime.local.host import LocalRuntime
from edgeauth.users import completion
from edgeauth.users.answers import Refusal, Refused, refused
from edgeauth.users.objects import UserObjects
from tests.local_runtime.support import ManualClock

TENANT = "default"
PASSWORD = "routing password 1"
REQUEST = {"client_id": "c", "redirect_uri": "https://a.example/cb", "scope": "openid"}
LIFETIMES = {"absolute": 7 * 86400, "idle": 3 * 86400}


def objects(runtime: LocalRuntime, tenant: str = TENANT) -> UserObjects:
    return UserObjects(runtime.platform, tenant)


async def test_every_handle_of_another_tenant_finds_nothing(runtime: LocalRuntime) -> None:
    await create_tenant(runtime.platform, "other")
    user = await create_user(runtime.platform, TENANT, email="mine@example.com", password=PASSWORD)
    home, away = objects(runtime), objects(runtime, "other")
    grant = await home.by_email("mine@example.com").login_with_password(PASSWORD, None, "")
    session = grant["session_token"]

    found = away.by_token(session)
    assert found is not None
    refused = await found[0].authorize_with_session(found[1], REQUEST, None, LIFETIMES)
    assert refused == Refused(Refusal.LOGIN_REQUIRED, "Login required")
    assert await found[0].end_session(found[1]) is None

    by_id = away.by_own_id(user["user_id"])
    assert by_id is not None
    assert (await by_id.snapshot())["user"] is None
    assert await by_id.update_user({"name": "taken"}) is None
    assert await by_id.delete_user() is False
    assert await by_id.start_email_verification() is None

    at_home = home.by_token(session)
    assert at_home is not None
    assert "code" in await at_home[0].authorize_with_session(at_home[1], REQUEST, None, LIFETIMES)
    assert (await home.by_own_id(user["user_id"]).snapshot())["user"]["name"] == "mine@example.com"  # type: ignore[union-attr]


async def test_a_deleted_users_id_is_never_given_again(runtime: LocalRuntime) -> None:
    first = await create_user(runtime.platform, TENANT, email="again@example.com", password=PASSWORD)
    await delete_user(runtime.platform, TENANT, first["user_id"])
    second = await create_user(runtime.platform, TENANT, email="again@example.com", password=PASSWORD)
    assert second["user_id"] != first["user_id"]
    assert second["user_id"][:70] == first["user_id"][:70]  # the same object, a new creation part
    old = objects(runtime).by_own_id(first["user_id"])
    assert old is not None and (await old.snapshot())["user"] is None


async def test_an_old_email_reaches_nobody_and_signs_up_anew(runtime: LocalRuntime) -> None:
    platform = runtime.platform
    user = await create_user(
        platform, TENANT, email="a@example.com", password=PASSWORD, profile={"email_verified": True}
    )
    await update_user(platform, TENANT, user["user_id"], {"email": "b@example.com"})
    users = objects(runtime)
    old = users.by_email("a@example.com")
    assert (await old.snapshot())["user"] is None
    assert await old.login_with_password(PASSWORD, None, "") == refused(Refusal.WRONG_CREDENTIALS)
    assert await old.start_password_reset() is None
    identity = {"provider": "oidc", "user_id": "up-1", "connection": "idp", "isSocial": False}
    profile = {"email": "a@example.com", "email_verified": True}
    joined = await users.by_identity("idp", "up-1").login_with_identity(identity, profile, None, "")
    assert joined["user"]["user_id"] != user["user_id"]  # the social login made its own user

    sent = await old.start_passwordless("code", None)
    stranger = await old.login_with_email_code(sent["code"], None, "")
    assert stranger["user"]["user_id"] == joined["user"]["user_id"]  # a@'s new owner, not the user
    current = (await users.by_email("b@example.com").snapshot())["user"]
    assert current["user_id"] == user["user_id"] and current["email_verified"] is False
    assert "session_token" in await users.by_email("b@example.com").login_with_password(PASSWORD, None, "")


async def test_an_email_taken_back_after_reuse_is_refused(runtime: LocalRuntime) -> None:
    """a@ moves to b@; someone signs up as a@; the first user cannot take a@ back."""
    platform = runtime.platform
    user = await create_user(platform, TENANT, email="x@example.com", password=PASSWORD)
    await update_user(platform, TENANT, user["user_id"], {"email": "y@example.com"})
    other = await create_user(platform, TENANT, email="x@example.com", password=PASSWORD)
    assert other["user_id"] != user["user_id"]
    try:
        await update_user(platform, TENANT, user["user_id"], {"email": "x@example.com"})
        raise AssertionError("the email was taken back")
    except Exception as exc:
        assert "already exists" in str(exc)
    # Once the new holder leaves it, the first user may have its old name back.
    await delete_user(platform, TENANT, other["user_id"])
    back = await update_user(platform, TENANT, user["user_id"], {"email": "x@example.com"})
    assert back["email"] == "x@example.com"
    users = objects(runtime)
    assert "session_token" in await users.by_email("x@example.com").login_with_password(PASSWORD, None, "")
    assert (await users.by_email("y@example.com").snapshot())["user"] is None


async def test_guessing_from_many_ips_backs_off_but_the_owners_ip_gets_in(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    await create_user(runtime.platform, TENANT, email="bf@example.com", password=PASSWORD)
    user = objects(runtime).by_email("bf@example.com")
    assert "session_token" in await user.login_with_password(PASSWORD, None, "198.51.100.7")  # known
    for n in range(20):  # a botnet: one guess per IP, no IP ever locked
        guess = await user.login_with_password("guess", None, f"203.0.113.{n}")
        assert guess == refused(Refusal.WRONG_CREDENTIALS)
    locked = await user.login_with_password(PASSWORD, None, "192.0.2.99")  # a new IP, even right
    assert locked == refused(Refusal.TOO_MANY_ATTEMPTS)
    assert "session_token" in await user.login_with_password(PASSWORD, None, "198.51.100.7")
    clock.advance(3)
    assert "session_token" in await user.login_with_password(PASSWORD, None, "192.0.2.99")


class CountingCrypto:
    """The runtime's real crypto, counting PBKDF2 derivations (a spy, not a fake)."""

    def __init__(self, real: Crypto) -> None:
        self.real = real
        self.derivations = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    async def pbkdf2(self, password: bytes, salt: bytes, iterations: int, **options: Any) -> bytes:
        self.derivations += 1
        return await self.real.pbkdf2(password, salt, iterations, **options)


async def test_an_unknown_email_costs_a_hash_like_a_known_one(runtime: LocalRuntime) -> None:
    """Timing enumeration (~43 ms vs ~2 ms): no user, or no password, still derives one key."""
    spy = CountingCrypto(runtime.platform.crypto)
    runtime.platform = dataclasses.replace(runtime.platform, crypto=spy)  # type: ignore[arg-type]
    await create_user(runtime.platform, TENANT, email="known@example.com", password=PASSWORD)
    users = objects(runtime)
    for email in ("known@example.com", "unknown@example.com"):
        before = spy.derivations
        await users.by_email(email).login_with_password("wrong password", None, "")
        assert spy.derivations - before == 1, email


async def test_the_tenants_session_lifetimes_apply(runtime: LocalRuntime, clock: ManualClock) -> None:
    platform = runtime.platform
    await update_settings(platform, TENANT, {"session_lifetime": 2, "idle_session_lifetime": 1})
    await create_user(platform, TENANT, email="s@example.com", password=PASSWORD)
    users = objects(runtime)
    token = (await users.by_email("s@example.com").login_with_password(PASSWORD, None, ""))["session_token"]
    tenant = await runtime.platform.config.get(f"tenant:{TENANT}")
    assert tenant is not None and '"session_lifetime":2' in tenant
    lifetimes = {"absolute": 2 * 3600, "idle": 3600}
    session = users.by_token(token)
    assert session is not None
    clock.advance(3000)
    assert "code" in await session[0].authorize_with_session(session[1], REQUEST, None, lifetimes)
    clock.advance(3000)  # used 50 minutes ago: still within the idle hour
    assert "code" in await session[0].authorize_with_session(session[1], REQUEST, None, lifetimes)
    clock.advance(1800)  # 2 h 10 min after the login: past the absolute lifetime
    refused = await session[0].authorize_with_session(session[1], REQUEST, None, lifetimes)
    assert refused == Refused(Refusal.LOGIN_REQUIRED, "Login required")


async def test_a_login_ticket_needs_its_browsers_verifier(runtime: LocalRuntime) -> None:
    await create_user(runtime.platform, TENANT, email="t@example.com", password=PASSWORD)
    users = objects(runtime)
    ticket_finish = completion.login_ticket("c", hashlib.sha256(b"the verifier").hexdigest())
    ticket = (await users.by_email("t@example.com").login_with_password(PASSWORD, ticket_finish, ""))[
        "login_ticket"
    ]
    found = users.by_token(ticket)
    assert found is not None
    assert await found[0].redeem_login_ticket(found[1], "c", REQUEST, "guess") == refused(
        Refusal.UNVERIFIED_BROWSER
    )
    assert await found[0].redeem_login_ticket(found[1], "other", REQUEST, "guess") == refused(
        Refusal.INVALID_TICKET
    )
    assert "session_token" in await found[0].redeem_login_ticket(found[1], "c", REQUEST, "the verifier")
    assert await found[0].redeem_login_ticket(found[1], "c", REQUEST, "the verifier") == refused(
        Refusal.INVALID_TICKET
    )


async def test_dev_mode_is_the_operators_switch(runtime: LocalRuntime) -> None:
    await update_settings(runtime.platform, TENANT, {DEV_MODE_KEY: True})
    tenant = await runtime.platform.config.get(f"tenant:{TENANT}")
    assert tenant is not None and '"dev_mode":true' in tenant


async def test_a_worker_of_an_earlier_version_reads_every_refusal(runtime: LocalRuntime) -> None:
    """A wrong second factor's refusal names the user for this version's Worker (its Guardian log
    event); a caller without `named_refusals` (a Worker of an earlier version, during a gradual
    deployment) gets the `{refused, message}` its reader knows, never a dict it would take for a
    passed factor."""
    await guardian.configure(runtime.platform, TENANT, {"otp": True}, ["all-applications"])
    user = await create_user(runtime.platform, TENANT, email="versions@example.com", password=PASSWORD)
    finish = completion.token_grant(REQUEST, False)
    pending = (
        await objects(runtime).by_email("versions@example.com").login_with_password(PASSWORD, finish, "")
    )
    found = objects(runtime).by_token(pending["mfa_token"])  # type: ignore[typeddict-item]
    assert found is not None
    holder, secret = found
    assert "secret" in await holder.mfa_associate(secret, "Versions", False)
    wrong = ("otp", "not-a-code", "")

    named = await holder.mfa_verify(secret, "c", *wrong)
    assert named == Refused(Refusal.WRONG_OTP, "Invalid otp_code.", user["user_id"])
    stub = runtime.platform.users.get(pending["mfa_token"].split(".")[0])  # type: ignore[typeddict-item]
    earlier = await stub.call("mfa_verify", {"tenant": TENANT}, secret, "c", *wrong)
    assert earlier == {"refused": "wrong_otp", "message": "Invalid otp_code."}
