"""`edgeauth`: the local command line (verbs after the auth0 CLI), over the same admin service layer.

Every command works on a data folder (`--data`, default `./.edgeauth` or `$EDGEAUTH_DATA`) and a
tenant (`--tenant`, default the default tenant); `--json` prints the created object. Commands may
run while `edgeauth serve` runs on the same folder: the server reads the stores on every request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgeauth.admin import apis, clients, grants, tenants, users
from edgeauth.admin.errors import AdminError
from edgeauth.keys.keyset import rotate_keyset
from edgeauth.platform import Settings

if TYPE_CHECKING:  # the local runtime is imported only when a command runs
    from edgeauth.runtime.local.host import LocalRuntime

DEFAULT_DATA = ".edgeauth"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

SCHEDULED_HELP = "/cdn-cgi/handler/scheduled to run the cron handler"

Command = Callable[["LocalRuntime", argparse.Namespace], Awaitable[Any]]


def open_runtime(args: argparse.Namespace) -> LocalRuntime:
    """The local runtime on `--data`, with its deployment key created on first use."""
    from edgeauth.runtime.local.config import WorkerConfig
    from edgeauth.runtime.local.crypto import CPythonCrypto
    from edgeauth.runtime.local.host import LocalRuntime
    from edgeauth.runtime.local.keyfile import load_or_create_secret_key

    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    config = WorkerConfig.load(PROJECT_ROOT / "wrangler.toml")
    return LocalRuntime(
        data,
        config=config,
        crypto=CPythonCrypto(load_or_create_secret_key(data)),
        settings=Settings(default_tenant=args.default_tenant, base_domain=args.base_domain),
    )


def split_list(values: list[str] | None) -> list[str]:
    """`--x a,b --x c` → `[a, b, c]`."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def tenant_of(args: argparse.Namespace) -> str:
    return args.tenant or args.default_tenant


async def cmd_tenants_create(runtime: LocalRuntime, args: argparse.Namespace) -> Any:
    tenant = await tenants.create_tenant(runtime.platform, args.id, args.name or "")
    return {"id": tenant.id, "friendly_name": tenant.friendly_name}


async def cmd_apps_create(runtime: LocalRuntime, args: argparse.Namespace) -> Any:
    return await clients.create_client(
        runtime.platform,
        tenant_of(args),
        name=args.name,
        app_type=args.type,
        callbacks=split_list(args.callbacks),
        allowed_logout_urls=split_list(args.logout_urls),
        web_origins=split_list(args.web_origins),
        grant_types=split_list(args.grants) or None,
    )


async def cmd_apps_authorize(runtime: LocalRuntime, args: argparse.Namespace) -> Any:
    return await grants.create_client_grant(
        runtime.platform,
        tenant_of(args),
        client_id=args.app,
        audience=args.api,
        scopes=split_list(args.scopes),
    )


async def cmd_apis_create(runtime: LocalRuntime, args: argparse.Namespace) -> Any:
    return await apis.create_api(
        runtime.platform,
        tenant_of(args),
        name=args.name,
        identifier=args.identifier,
        scopes=split_list(args.scopes),
    )


async def cmd_users_create(runtime: LocalRuntime, args: argparse.Namespace) -> Any:
    user = await users.create_user(
        runtime.platform, tenant_of(args), email=args.email, password=args.password
    )
    await runtime.drain_queues()
    return user


async def cmd_keys_rotate(runtime: LocalRuntime, args: argparse.Namespace) -> Any:
    keyset = await rotate_keyset(runtime.platform, tenant_of(args))
    return {
        "current": keyset.current.kid,
        "next": keyset.next.kid,
        "previous": keyset.previous.kid if keyset.previous else None,
    }


async def cmd_serve(runtime: LocalRuntime, args: argparse.Namespace) -> Any:
    from edgeauth.runtime.local.demo import seed_demo
    from edgeauth.runtime.local.serve import serve
    from edgeauth.worker import app

    host_for_urls = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host  # noqa: S104
    origin = f"http://{host_for_urls}:{args.port}"
    print(f"edgeauth: default tenant {args.default_tenant!r}, issuer {origin}/", flush=True)
    if args.demo:
        print(await seed_demo(runtime.platform, origin), flush=True)
    await serve(runtime, app, host=args.host, port=args.port, test_scheduled=args.test_scheduled)
    return None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=os.environ.get("EDGEAUTH_DATA", DEFAULT_DATA))
    parser.add_argument("--tenant", default=None, help="tenant id (default: the default tenant)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--default-tenant", default="default", help=argparse.SUPPRESS)
    parser.add_argument("--base-domain", default="localhost", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edgeauth", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)

    def leaf(group: Any, name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_text)
        _common(sub)
        sub.set_defaults(handler=handler)
        return sub

    serve = leaf(verbs, "serve", cmd_serve, "serve the local runtime over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8787)
    serve.add_argument("--demo", action="store_true", help="seed a demo API and apps")
    serve.add_argument("--test-scheduled", action="store_true", help=f"enable {SCHEDULED_HELP}")

    tenants_group = verbs.add_parser("tenants").add_subparsers(dest="action", required=True)
    create = leaf(tenants_group, "create", cmd_tenants_create, "create a tenant")
    create.add_argument("id")
    create.add_argument("--name", default="")

    apps_group = verbs.add_parser("apps").add_subparsers(dest="action", required=True)
    create = leaf(apps_group, "create", cmd_apps_create, "create an application")
    create.add_argument("--name", required=True)
    create.add_argument("--type", required=True, choices=sorted(clients.APP_TYPES))
    for flag in ("--callbacks", "--logout-urls", "--web-origins", "--grants"):
        create.add_argument(flag, action="append")
    authorize = leaf(apps_group, "authorize", cmd_apps_authorize, "grant an app access to an API")
    authorize.add_argument("--app", required=True, help="client_id")
    authorize.add_argument("--api", required=True, help="API identifier (audience)")
    authorize.add_argument("--scopes", action="append")

    apis_group = verbs.add_parser("apis").add_subparsers(dest="action", required=True)
    create = leaf(apis_group, "create", cmd_apis_create, "create an API (resource server)")
    create.add_argument("--name", required=True)
    create.add_argument("--identifier", required=True)
    create.add_argument("--scopes", action="append")

    users_group = verbs.add_parser("users").add_subparsers(dest="action", required=True)
    create = leaf(users_group, "create", cmd_users_create, "create a database user")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)

    keys_group = verbs.add_parser("keys").add_subparsers(dest="action", required=True)
    leaf(keys_group, "rotate", cmd_keys_rotate, "rotate the tenant's signing keys")
    return parser


def print_result(result: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key}: {value if isinstance(value, str) else json.dumps(value)}")


async def run(args: argparse.Namespace) -> int:
    runtime = open_runtime(args)
    try:
        await tenants.ensure_default_tenant(runtime.platform)
        result = await args.handler(runtime, args)
    except AdminError as exc:
        print(f"edgeauth: {exc.message}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    if result is not None:
        print_result(result, args.json)
    return 0


def event_loop_runner() -> Callable[[Awaitable[int]], int]:
    """uvloop when installed (the `local` extra), else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run  # type: ignore[return-value]
    return uvloop.run  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return event_loop_runner()(run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
