"""The admin verbs of the `edgeauth` CLI (after the auth0 CLI), runtime-neutral.

The local CLI (`edgeauth.cli`) runs them on the data folder; the edge host runs the very same
parser and handlers inside Pyodide, so tests create tenants, apps and users the same way in both.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from edgeauth.admin import (
    apis,
    clients,
    connections,
    grants,
    guardian,
    jobs,
    outbox,
    page_look,
    tenant_admins,
    tenants,
    trusted_issuers,
    user_exports,
    user_imports,
    users,
)
from edgeauth.admin import email_provider as email_provider_service
from edgeauth.admin.auth0_import import ImportFailed, ManagementApi, import_auth0
from edgeauth.admin.errors import AdminError
from edgeauth.connections import DATABASE_CONNECTION
from edgeauth.keys.keyset import rotate_keyset
from edgeauth.mail.outgoing import TEMPLATES, send_email
from edgeauth.mail.providers import PROVIDERS
from edgeauth.mfa.factors import OFFERED as MFA_FACTORS
from edgeauth.platform import Platform
from edgeauth.ports import JSON
from edgeauth.users import bulk_export

AdminCommand = Callable[[Platform, argparse.Namespace], Awaitable[JSON]]
AddOptions = Callable[[argparse.ArgumentParser], None]


class UsageError(ValueError):
    """The command line does not parse (argparse's message)."""


class _Parser(argparse.ArgumentParser):
    """Raises instead of exiting, so a server can answer a bad command with an error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def split_list(values: list[str] | None) -> list[str]:
    """`--x a,b --x c` → `[a, b, c]`."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def file_bytes(path: str) -> bytes:
    """An argument naming a file: its content, read while the command line is parsed."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {exc.strerror}") from exc


def tenant_of(platform: Platform, args: argparse.Namespace) -> str:
    return args.tenant or platform.settings.default_tenant


async def tenants_create(platform: Platform, args: argparse.Namespace) -> JSON:
    tenant = await tenants.create_tenant(platform, args.id, args.name or "")
    return {"id": tenant.id, "friendly_name": tenant.friendly_name}


async def tenants_update(platform: Platform, args: argparse.Namespace) -> JSON:
    changes: dict[str, Any] = {}
    if args.logout_urls is not None:
        changes["allowed_logout_urls"] = split_list(args.logout_urls)
    if args.password_min_length is not None:
        changes["password_policy"] = {"min_length": args.password_min_length}
    if args.enabled_locales is not None:
        changes["enabled_locales"] = split_list(args.enabled_locales)
    branding = {k: v for k, v in (("logo_url", args.logo_url),) if v is not None}
    if args.primary_color is not None:
        branding["colors"] = {"primary": args.primary_color}
    if branding:
        changes["branding"] = branding
    if args.dev_mode is not None:
        changes[tenants.DEV_MODE_KEY] = args.dev_mode == "on"
    prompts = {
        name: value == "on"
        for name, value in (
            ("identifier_first", args.identifier_first),
            ("webauthn_platform_first_factor", args.passkeys),
        )
        if value is not None
    }
    if prompts:
        changes[tenants.PROMPTS_KEY] = prompts
    if args.mfa is not None or args.mfa_policy is not None:
        await configure_mfa(platform, tenant_of(platform, args), args.mfa, args.mfa_policy)
    if args.mfa_remember_days is not None:
        if not 0 <= args.mfa_remember_days <= 365:
            raise AdminError(400, "--mfa-remember-days must be 0 to 365.", "invalid_body")
        changes[tenants.MFA_KEY] = {"remember_browser_days": args.mfa_remember_days}
    tenant = await tenants.update_settings(platform, tenant_of(platform, args), changes)
    return dataclasses.asdict(tenant)


async def configure_mfa(
    platform: Platform, tenant_id: str, mfa: list[str] | None, policy: str | None
) -> None:
    """`--mfa`: the factors (or `off`), and with them the `all-applications` policy unless
    `--mfa-policy` says `confidence-score` (Adaptive MFA) or `never` (MFA then only when a login's
    `acr_values` asks for it)."""
    factors = None if mfa is None else set(split_list(mfa)) - {"off"}
    if factors is not None and (unknown := factors - set(MFA_FACTORS)):
        listed = ", ".join(sorted(unknown))
        raise AdminError(400, f"Unknown or unavailable factors: {listed}.", "invalid_body")
    every_login = policy == "all-applications" or (policy is None and bool(factors))
    policies = ["all-applications"] if every_login else []
    await guardian.configure(
        platform,
        tenant_id,
        factors=None if factors is None else {name: name in factors for name in MFA_FACTORS},
        policies=["confidence-score"] if policy == "confidence-score" else policies,
    )


async def tenants_page_template(platform: Platform, args: argparse.Namespace) -> JSON:
    tenant_id = tenant_of(platform, args)
    if args.delete:
        await page_look.delete_page_template(platform, tenant_id)
        return {"deleted": True}
    try:
        template = args.file.decode()
    except UnicodeDecodeError as exc:
        raise AdminError(400, f"The template is not UTF-8 text: {exc}.", "invalid_body") from exc
    await page_look.set_page_template(platform, tenant_id, template)
    return await page_look.get_page_template(platform, tenant_id)


async def tenants_trust_issuer(platform: Platform, args: argparse.Namespace) -> JSON:
    trust = {"issuer": args.issuer, "jwks_uri": args.jwks_uri, "audience": args.audience}
    return await trusted_issuers.add_trusted_issuer(platform, tenant_of(platform, args), **trust)


async def tenants_import_auth0(platform: Platform, args: argparse.Namespace) -> JSON:
    """Both sides through their Management APIs (`edgeauth.admin.auth0_import`)."""
    loopback = args.allow_loopback
    try:
        source = await ManagementApi.connect(
            platform, args.domain, args.client_id, args.client_secret, loopback
        )
        destination = await ManagementApi.connect(
            platform, args.to, args.to_client_id, args.to_client_secret, loopback
        )
        report = await import_auth0(source, destination)
    except ImportFailed as exc:
        raise AdminError(502, f"Nothing was copied: {exc}", "import_failed") from exc
    return {"copied": report.copied, "not_copied": report.not_copied}


async def tenants_add_admin(platform: Platform, args: argparse.Namespace) -> JSON:
    return await tenant_admins.add_admin(platform, tenant_of(platform, args), args.issuer, args.subject)


async def apps_create(platform: Platform, args: argparse.Namespace) -> JSON:
    return await clients.create_client(
        platform,
        tenant_of(platform, args),
        name=args.name,
        app_type=args.type,
        callbacks=split_list(args.callbacks),
        allowed_logout_urls=split_list(args.logout_urls),
        web_origins=split_list(args.web_origins),
        grant_types=split_list(args.grants) or None,
        cross_origin_authentication=args.cross_origin or None,
        allowed_origins=split_list(args.web_origins) if args.cross_origin else None,
        cross_origin_loc=args.cross_origin_loc,
    )


async def email_provider(platform: Platform, args: argparse.Namespace) -> JSON:
    credentials = {"api_key": args.api_key, "domain": args.domain}
    return await email_provider_service.set_provider(
        platform,
        tenant_of(platform, args),
        {
            "name": args.name,
            "default_from_address": args.sender or "",
            "credentials": {k: v for k, v in credentials.items() if v},
            "settings": {"base_url": args.base_url} if args.base_url else {},
        },
    )


async def email_test(platform: Platform, args: argparse.Namespace) -> JSON:
    """Queue a template with sample values (Auth0's "send test email")."""
    sample = {"url": "https://example.com/sample-link", "code": "123456", "user": {"email": args.to}}
    tenant_id = tenant_of(platform, args)
    await send_email(
        platform, tenant_id, template=args.template, to=args.to, locale=args.locale, values=sample
    )
    return {"queued": args.template, "to": args.to}


async def outbox_list(platform: Platform, args: argparse.Namespace) -> JSON:
    return await outbox.list_outbox(platform, tenant_of(platform, args), args.to or "")


LIST_OPTIONS = ("domain_aliases",)  # options that are lists: comma-separated on the command line


def connection_options(pairs: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs as a connection's `options`."""
    options: dict[str, Any] = dict(pair.split("=", 1) for pair in pairs)
    for name in LIST_OPTIONS:
        if name in options:
            options[name] = split_list([options[name]])
    return options


async def connections_create(platform: Platform, args: argparse.Namespace) -> JSON:
    return await connections.create_connection(
        platform,
        tenant_of(platform, args),
        name=args.name,
        strategy=args.strategy,
        enabled_clients=split_list(args.enable_app),
        options=connection_options(args.option or []),
    )


async def apps_authorize(platform: Platform, args: argparse.Namespace) -> JSON:
    return await grants.create_client_grant(
        platform,
        tenant_of(platform, args),
        client_id=args.app,
        audience=args.api,
        scopes=split_list(args.scopes),
    )


async def apis_create(platform: Platform, args: argparse.Namespace) -> JSON:
    return await apis.create_api(
        platform,
        tenant_of(platform, args),
        name=args.name,
        identifier=args.identifier,
        scopes=split_list(args.scopes),
    )


async def users_create(platform: Platform, args: argparse.Namespace) -> JSON:
    profile = {"email_verified": True} if args.email_verified else None
    return await users.create_user(
        platform, tenant_of(platform, args), email=args.email, password=args.password, profile=profile
    )


async def users_get(platform: Platform, args: argparse.Namespace) -> JSON:
    return await users.get_user(platform, tenant_of(platform, args), args.user_id)


async def tenants_add_domain(platform: Platform, args: argparse.Namespace) -> JSON:
    return await tenants.add_custom_domain(platform, tenant_of(platform, args), args.domain)


async def users_update(platform: Platform, args: argparse.Namespace) -> JSON:
    blocked = None if args.blocked is None else args.blocked == "true"
    changes = {"email": args.email, "password": args.password, "blocked": blocked}
    return await users.update_user(
        platform, tenant_of(platform, args), args.user_id, {k: v for k, v in changes.items() if v is not None}
    )


async def users_delete(platform: Platform, args: argparse.Namespace) -> JSON:
    await users.delete_user(platform, tenant_of(platform, args), args.user_id)
    return {"deleted": args.user_id}


async def users_import(platform: Platform, args: argparse.Namespace) -> JSON:
    """A users-imports job from a file in Auth0's bulk-import schema (as `POST /jobs/users-imports`)."""
    tenant_id = tenant_of(platform, args)
    connection = await connections.connection_named(platform, tenant_id, args.connection)
    return await user_imports.create_import_job(
        platform,
        tenant_id,
        connection_id=connection["id"],
        users=args.file,
        upsert=args.upsert,
        external_id=args.external_id,
        send_completion_email=False,
    )


async def users_export(platform: Platform, args: argparse.Namespace) -> JSON:
    """A users-exports job (as `POST /jobs/users-exports`); `users job ID --download` reads it."""
    fields = [{"name": name} for name in args.field] if args.field else None
    return await user_exports.create_export_job(
        platform,
        tenant_of(platform, args),
        connection_id=None,
        format=args.format,
        limit=args.limit,
        fields=fields,
    )


async def users_job(platform: Platform, args: argparse.Namespace) -> JSON:
    """A job's state and its refused users (`GET /jobs/{id}` and `/errors` together); with
    `--download`, a finished export's file, as text."""
    tenant_id = tenant_of(platform, args)
    row = await jobs.job_row(platform, tenant_id, args.job_id)
    job = {**jobs.job_json(row), "errors": await jobs.job_errors(platform, tenant_id, args.job_id)}
    if args.download and row["status"] == "completed":
        job["file"] = "".join(await bulk_export.export_parts(platform, tenant_id, args.job_id))
    return job


async def users_reconcile(platform: Platform, args: argparse.Namespace) -> JSON:
    return await users.reconcile_users(platform, tenant_of(platform, args))


async def keys_rotate(platform: Platform, args: argparse.Namespace) -> JSON:
    keyset = await rotate_keyset(platform, tenant_of(platform, args))
    return {
        "current": keyset.current.kid,
        "next": keyset.next.kid,
        "previous": keyset.previous.kid if keyset.previous else None,
    }


def add_admin_commands(verbs: Any, options: AddOptions) -> None:
    """Add the admin verbs to `verbs` (a subparsers action); `options` adds shared flags."""

    def leaf(
        group: Any, name: str, handler: AdminCommand, help_text: str, *, delivers: bool = True
    ) -> argparse.ArgumentParser:
        """A verb; `delivers=False` for one that queues nothing, so the local CLI returns without
        delivering what others queued (see `edgeauth.cli.run`)."""
        sub: argparse.ArgumentParser = group.add_parser(name, help=help_text)
        sub.add_argument("--tenant", default=None, help="tenant id (default: the default tenant)")
        options(sub)
        sub.set_defaults(handler=handler, delivers=delivers)
        return sub

    def group(name: str) -> Any:
        return verbs.add_parser(name).add_subparsers(dest="action", required=True)

    tenants_group = group("tenants")
    create = leaf(tenants_group, "create", tenants_create, "create a tenant")
    create.add_argument("id")
    create.add_argument("--name", default="")
    update = leaf(tenants_group, "update", tenants_update, "change the tenant's settings")
    update.add_argument("--logout-urls", action="append", help="allowed logout URLs without client_id")
    update.add_argument("--password-min-length", type=int)
    update.add_argument(
        "--enabled-locales",
        action="append",
        help="languages of the hosted pages and emails, the default first",
    )
    update.add_argument("--logo-url")
    update.add_argument("--primary-color")
    update.add_argument(
        "--dev-mode",
        choices=("on", "off"),
        help="let this tenant's connections, JWKS and email provider use loopback URLs (local tests)",
    )
    update.add_argument(
        "--identifier-first",
        choices=("on", "off"),
        help="the login page asks for the email first (Auth0's identifier-first prompt setting)",
    )
    update.add_argument(
        "--passkeys",
        choices=("on", "off"),
        help="passkeys as a first factor on the login and signup pages (Auth0's "
        "webauthn_platform_first_factor prompt setting)",
    )
    update.add_argument(
        "--mfa",
        action="append",
        help="factors every login needs one of (otp, webauthn-roaming, webauthn-platform, "
        "recovery-code), or 'off' (Auth0 Guardian)",
    )
    update.add_argument(
        "--mfa-remember-days",
        type=int,
        help="days a browser that passed MFA may skip it when the user asks (Auth0's 'Remember this "
        "browser'; default 30, 0: never)",
    )
    update.add_argument(
        "--mfa-policy",
        choices=("all-applications", "confidence-score", "never"),
        help="every login needs MFA, only those from a device the user has not used lately (Auth0's "
        "Adaptive MFA), or only those whose acr_values ask for it (default with --mfa: all)",
    )
    template = leaf(
        tenants_group, "page-template", tenants_page_template, "set the Universal Login page template"
    )
    chosen = template.add_mutually_exclusive_group(required=True)
    chosen.add_argument(
        "--file", type=file_bytes, help="HTML with {%%- auth0:head -%%} and {%%- auth0:widget -%%}"
    )
    chosen.add_argument("--delete", action="store_true", help="back to the built-in page")
    trust = leaf(tenants_group, "trust-issuer", tenants_trust_issuer, "accept an issuer's tokens on /api/v2")
    trust.add_argument("--issuer", required=True, help="the tokens' `iss`")
    trust.add_argument("--jwks-uri", required=True)
    trust.add_argument("--audience", required=True, help="the `aud` the tokens must carry")
    copy = leaf(tenants_group, "import-auth0", tenants_import_auth0, "copy an Auth0 tenant's configuration")
    copy.add_argument("--domain", required=True, help="the Auth0 tenant's domain (or origin)")
    copy.add_argument("--client-id", required=True, help="an M2M app of it with a Management API grant")
    copy.add_argument("--client-secret", required=True)
    copy.add_argument("--to", required=True, help="the edgeauth tenant's domain (or origin)")
    copy.add_argument("--to-client-id", required=True, help="an M2M app of it with a Management API grant")
    copy.add_argument("--to-client-secret", required=True)
    copy.add_argument("--allow-loopback", action="store_true", help="both sides may be on this machine")
    domain = leaf(tenants_group, "add-domain", tenants_add_domain, "serve the tenant on another hostname")
    domain.add_argument("--domain", required=True, help="a hostname, e.g. login.example.com")
    admin = leaf(tenants_group, "add-admin", tenants_add_admin, "let a user's own token manage the tenant")
    admin.add_argument("--issuer", required=True, help="the user's tokens' `iss`")
    admin.add_argument("--subject", required=True, help="the user's tokens' `sub` (user_id)")

    apps_group = group("apps")
    create = leaf(apps_group, "create", apps_create, "create an application")
    create.add_argument("--name", required=True)
    create.add_argument("--type", required=True, choices=sorted(clients.APP_TYPES))
    for flag in ("--callbacks", "--logout-urls", "--web-origins", "--grants"):
        create.add_argument(flag, action="append")
    create.add_argument(
        "--cross-origin",
        action="store_true",
        help="allow embedded login (/co/authenticate) from its web origins",
    )
    create.add_argument(
        "--cross-origin-loc", help="the app's page running auth0.js crossOriginVerification()"
    )
    authorize = leaf(apps_group, "authorize", apps_authorize, "grant an app access to an API")
    authorize.add_argument("--app", required=True, help="client_id")
    authorize.add_argument("--api", required=True, help="API identifier (audience)")
    authorize.add_argument("--scopes", action="append")

    create = leaf(group("apis"), "create", apis_create, "create an API (resource server)")
    create.add_argument("--name", required=True)
    create.add_argument("--identifier", required=True)
    create.add_argument("--scopes", action="append")

    users_group = group("users")
    create = leaf(users_group, "create", users_create, "create a database user")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--email-verified", action="store_true")
    leaf(users_group, "get", users_get, "show a user (its identities too)").add_argument("user_id")
    update = leaf(users_group, "update", users_update, "change a user's email, password or blocked state")
    update.add_argument("user_id")
    update.add_argument("--email")
    update.add_argument("--password")
    update.add_argument("--blocked", choices=("true", "false"))
    leaf(users_group, "delete", users_delete, "delete a user (its id is never given again)").add_argument(
        "user_id"
    )
    leaf(users_group, "reconcile", users_reconcile, "repair D1's copy of the users from their objects")
    imported = leaf(users_group, "import", users_import, "import users (Auth0 bulk-import JSON) with a job")
    imported.add_argument(
        "file", type=file_bytes, help="a JSON array of users, as Auth0's users-imports job takes"
    )
    imported.add_argument("--connection", default=DATABASE_CONNECTION)
    imported.add_argument("--upsert", action="store_true")
    imported.add_argument("--external-id")
    exported = leaf(users_group, "export", users_export, "export users (Auth0's users-exports job)")
    exported.add_argument("--field", action="append", help="a field to export (repeatable)")
    exported.add_argument("--format", default="json", choices=("json", "csv"))
    exported.add_argument("--limit", type=int)
    job = leaf(
        users_group, "job", users_job, "a users job's state and errors (and an export's file)", delivers=False
    )
    job.add_argument("job_id")
    job.add_argument("--download", action="store_true", help="include a finished export's file")

    create = leaf(group("connections"), "create", connections_create, "create a connection")
    create.add_argument("--name", required=True)
    create.add_argument("--strategy", required=True, help="auth0 (database), email (passwordless), …")
    create.add_argument("--enable-app", action="append", help="client_id of an application to enable it for")
    create.add_argument(
        "--option",
        action="append",
        help="KEY=VALUE of `options` (issuer, client_id, client_secret, …; domain_aliases=a.com,b.com)",
    )

    email_group = group("email")
    provider = leaf(email_group, "provider", email_provider, "set the tenant's email provider")
    provider.add_argument("--name", required=True, choices=sorted(PROVIDERS))
    provider.add_argument("--api-key")
    provider.add_argument("--domain", help="Mailgun's sending domain")
    provider.add_argument("--from", dest="sender", help="default sender address")
    provider.add_argument("--base-url", help="the provider API's origin (Mailgun EU, a relay)")
    test = leaf(email_group, "test", email_test, "queue a sample email")
    test.add_argument("--to", required=True)
    test.add_argument("--template", default="verify_email", choices=TEMPLATES)
    test.add_argument("--locale", default="en")

    leaf(verbs, "outbox", outbox_list, "emails the outbox provider kept, newest first").add_argument("--to")

    leaf(group("keys"), "rotate", keys_rotate, "rotate the tenant's signing keys")


def new_parser(description: str = "") -> argparse.ArgumentParser:
    return _Parser(prog="edgeauth", description=description)


async def run_admin_command(platform: Platform, argv: list[str]) -> JSON:
    """Parse and run one admin command; `UsageError` or `AdminError` when it cannot."""
    parser = new_parser()
    add_admin_commands(parser.add_subparsers(dest="verb", required=True), lambda _: None)
    args = parser.parse_args(argv)
    await tenants.ensure_default_tenant(platform)
    return await args.handler(platform, args)
