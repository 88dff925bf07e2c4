"""One-time secrets in the user's object expire (Auth0's lifetimes), on an in-process runtime with a
manual clock: email codes and magic links after 5 minutes, login tickets after 2, reset and
verification links after 5 days."""

from __future__ import annotations

import hashlib

from edgeauth.admin.users import create_user
from edgeauth.runtime.local.host import LocalRuntime
from edgeauth.users import completion
from edgeauth.users.answers import Refusal, refused
from edgeauth.users.objects import UserObjects
from tests.local_runtime.support import ManualClock

TENANT = "default"
REQUEST = {"client_id": "c", "redirect_uri": "https://a.example/cb", "scope": "openid"}


async def test_an_expired_email_code_fails_like_a_wrong_one(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    user = UserObjects(runtime.platform, TENANT).by_email("late@example.com")
    sent = await user.start_passwordless("code", None)
    clock.advance(301)
    assert await user.login_with_email_code(sent["code"], None, "") == refused(Refusal.WRONG_CODE)
    fresh = await user.start_passwordless("code", None)
    clock.advance(299)
    assert "session_token" in await user.login_with_email_code(fresh["code"], None, "")


async def test_an_expired_magic_link_and_login_ticket_fail(runtime: LocalRuntime, clock: ManualClock) -> None:
    users = UserObjects(runtime.platform, TENANT)
    link = (await users.by_email("link@example.com").start_passwordless("link", REQUEST))["link"]
    clock.advance(301)
    found = users.by_token(link)
    assert found is not None
    assert await found[0].login_with_magic_link(found[1], "") == refused(Refusal.INVALID_LINK)

    await create_user(runtime.platform, TENANT, email="ticket@example.com", password="a good password")
    owner = users.by_email("ticket@example.com")
    verifier_digest = hashlib.sha256(b"verifier").hexdigest()
    finish = completion.login_ticket("c", verifier_digest)
    ticket = (await owner.login_with_password("a good password", finish, ""))["login_ticket"]
    clock.advance(121)
    redeemed = users.by_token(ticket)
    assert redeemed is not None
    expired = await redeemed[0].redeem_login_ticket(redeemed[1], "c", REQUEST, "verifier")
    assert expired == refused(Refusal.INVALID_TICKET)


async def test_reset_and_verification_links_live_five_days(runtime: LocalRuntime, clock: ManualClock) -> None:
    created = await create_user(
        runtime.platform, TENANT, email="slow@example.com", password="a good password"
    )
    users = UserObjects(runtime.platform, TENANT)
    reset = await users.by_email("slow@example.com").start_password_reset()
    by_id = users.by_own_id(created["user_id"])
    assert reset is not None and by_id is not None
    verification = await by_id.start_email_verification()
    assert verification is not None
    clock.advance(5 * 86400 + 1)
    found = users.by_token(reset)
    assert found is not None
    assert await found[0].reset_password(found[1], "hash") is None
    found = users.by_token(verification)
    assert found is not None
    assert await found[0].verify_email(found[1]) is None


async def test_a_token_for_another_tenant_is_refused(runtime: LocalRuntime) -> None:
    created = await create_user(runtime.platform, TENANT, email="t@example.com", password="a good password")
    users = UserObjects(runtime.platform, TENANT)
    by_id = users.by_own_id(created["user_id"])
    assert by_id is not None
    verification = await by_id.start_email_verification()
    assert verification is not None
    foreign = UserObjects(runtime.platform, "other-tenant").by_token(verification)
    assert foreign is not None
    assert await foreign[0].verify_email(foreign[1]) is None
    found = users.by_token(verification)
    assert found is not None
    assert (await found[0].verify_email(found[1]))["email_verified"] is True
