"""USER_EVENTS consumer, `type: "email"`: render for the tenant and locale, then deliver with the
tenant's provider. A refusal or an unreachable provider raises, so the message retries and finally
lands in the dead-letter queue; each failure is logged (Auth0 `fn`, "Failed Sending Notification").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from edgeauth import audit
from edgeauth.mail.providers import DeliveryError, Envelope, deliver
from edgeauth.mail.render import render_email
from edgeauth.mail.settings import active_provider
from edgeauth.platform import Platform
from edgeauth.snapshots import Tenant, load_tenant

FALLBACK_FROM = "no-reply@{host}"


async def deliver_email(platform: Platform, body: dict[str, Any]) -> None:
    tenant = await load_tenant(platform.config, body["tenant_id"]) or Tenant(
        body["tenant_id"], body["tenant_id"]
    )
    provider = replace(await active_provider(platform, tenant.id), allow_loopback=tenant.dev_mode)
    email = await render_email(platform, tenant, body["template"], body["locale"], body["values"])
    sender = (
        email.from_address
        or provider.default_from_address
        or FALLBACK_FROM.format(host=platform.settings.base_domain)
    )
    envelope = Envelope(body["id"], tenant.id, body["to"], sender, email, body["template"], body["locale"])
    try:
        await deliver(platform, provider, envelope)
    except (DeliveryError, OSError) as exc:
        await audit.record(
            platform,
            tenant.id,
            audit.FAILED_SENDING_NOTIFICATION,
            f"{body['template']} to {body['to']} by {provider.name}: {exc}",
            user_name=body["to"],
        )
        raise
