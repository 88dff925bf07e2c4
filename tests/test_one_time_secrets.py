"""One-time secrets in the user's object expire (Auth0's lifetimes), on an in-process runtime with a
manual clock: email codes and magic links after 5 minutes, login tickets after 2, reset and
verification links after 5 days."""

from __future__ import annotations

from edgeauth.admin.users import create_user
from edgeauth.runtime.local.host import LocalRuntime
from edgeauth.users import completion
from edgeauth.users.directory import user_object_for_email, user_object_for_token
from tests.local_runtime.support import ManualClock

TENANT = "default"
REQUEST = {"client_id": "c", "redirect_uri": "https://a.example/cb", "scope": "openid"}


async def test_an_expired_email_code_fails_like_a_wrong_one(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    stub = user_object_for_email(runtime.platform, TENANT, "late@example.com")
    sent = await stub.call("start_passwordless", TENANT, "late@example.com", "code", None)
    clock.advance(301)
    refused = await stub.call("login_with_email_code", TENANT, sent["code"], None, "")
    assert refused == {"error": "invalid_grant", "message": "Wrong email or verification code."}
    fresh = await stub.call("start_passwordless", TENANT, "late@example.com", "code", None)
    clock.advance(299)
    assert "session_token" in await stub.call("login_with_email_code", TENANT, fresh["code"], None, "")


async def test_an_expired_magic_link_and_login_ticket_fail(runtime: LocalRuntime, clock: ManualClock) -> None:
    stub = user_object_for_email(runtime.platform, TENANT, "link@example.com")
    link = (await stub.call("start_passwordless", TENANT, "link@example.com", "link", REQUEST))["link"]
    clock.advance(301)
    found = user_object_for_token(runtime.platform, link)
    assert found is not None
    assert "error" in await found[0].call("login_with_magic_link", TENANT, found[1], "")

    await create_user(runtime.platform, TENANT, email="ticket@example.com", password="a good password")
    owner = user_object_for_email(runtime.platform, TENANT, "ticket@example.com")
    ticket = (await owner.call("login_with_password", "a good password", completion.login_ticket("c")))[
        "login_ticket"
    ]
    clock.advance(121)
    ticket_stub, secret = user_object_for_token(runtime.platform, ticket) or (None, "")
    assert ticket_stub is not None
    assert "error" in await ticket_stub.call("redeem_login_ticket", TENANT, secret, "c", REQUEST)


async def test_reset_and_verification_links_live_five_days(runtime: LocalRuntime, clock: ManualClock) -> None:
    await create_user(runtime.platform, TENANT, email="slow@example.com", password="a good password")
    stub = user_object_for_email(runtime.platform, TENANT, "slow@example.com")
    reset = await stub.call("start_password_reset", TENANT, "")
    verification = await stub.call("start_email_verification", TENANT)
    clock.advance(5 * 86400 + 1)
    for token, method, args in ((reset, "reset_password", ("hash",)), (verification, "verify_email", ())):
        found = user_object_for_token(runtime.platform, token)
        assert found is not None
        assert await found[0].call(method, TENANT, found[1], *args) is None


async def test_a_token_for_another_tenant_is_refused(runtime: LocalRuntime) -> None:
    await create_user(runtime.platform, TENANT, email="t@example.com", password="a good password")
    stub = user_object_for_email(runtime.platform, TENANT, "t@example.com")
    verification = await stub.call("start_email_verification", TENANT)
    found = user_object_for_token(runtime.platform, verification)
    assert found is not None
    assert await found[0].call("verify_email", "other-tenant", found[1]) is None
    assert (await found[0].call("verify_email", TENANT, found[1]))["email_verified"] is True
