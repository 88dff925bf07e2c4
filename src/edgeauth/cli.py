"""`edgeauth`: the local command line (verbs after the auth0 CLI), over the same admin service layer.

Every command works on a data folder (`--data`, default `./.edgeauth` or `$EDGEAUTH_DATA`) and a
tenant (`--tenant`, default the default tenant); `--json` prints the created object. The admin
verbs live in `edgeauth.admin.commands`, shared with the edge host. Commands may
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

from edgeauth.admin import tenants
from edgeauth.admin.commands import add_admin_commands
from edgeauth.admin.errors import AdminError
from edgeauth.platform import Settings

if TYPE_CHECKING:  # the local runtime is imported only when a command runs
    from edgeauth.runtime.local.host import LocalRuntime

DEFAULT_DATA = ".edgeauth"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

SCHEDULED_HELP = "/cdn-cgi/handler/scheduled to run the cron handler"
DEFAULT_PORT = 8787
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")


def private_folder(data: Path) -> Path:
    """The data folder and everything in it readable by this user only (0700 / 0600): it holds
    password hashes, sealed keys, sessions and the deployment's secret key."""
    os.umask(0o077)  # every file the runtime creates from now on
    data.mkdir(parents=True, exist_ok=True)
    if data.stat().st_mode & 0o077:  # made by an older version, or by hand
        for path in data.rglob("*"):
            path.chmod(0o700 if path.is_dir() else 0o600)
        data.chmod(0o700)
    return data


def open_runtime(args: argparse.Namespace) -> LocalRuntime:
    """The local runtime on `--data`, with its deployment key created on first use."""
    from edgeauth.runtime.local.config import WorkerConfig
    from edgeauth.runtime.local.crypto import CPythonCrypto
    from edgeauth.runtime.local.host import LocalRuntime
    from edgeauth.runtime.local.keyfile import load_or_create_secret_key

    data = private_folder(Path(args.data))
    config = WorkerConfig.load(PROJECT_ROOT / "wrangler.toml")
    return LocalRuntime(
        data,
        config=config,
        crypto=CPythonCrypto(load_or_create_secret_key(data)),
        settings=local_settings(args),
    )


def local_settings(args: argparse.Namespace) -> Settings:
    """The local runtime's deployment: http (https with --tls-cert) on the serving port, and
    `localhost`, `127.0.0.1` and `[::1]` serving the default tenant (docs/security.md)."""
    return Settings(
        default_tenant=args.default_tenant,
        base_domain=args.base_domain,
        scheme="https" if getattr(args, "tls_cert", None) else "http",
        port=getattr(args, "port", None) or DEFAULT_PORT,
        default_hosts=LOOPBACK_HOSTS,
        trusted_proxies=tuple(getattr(args, "trusted_proxy", None) or ()),
    )


async def serve_command(runtime: LocalRuntime, args: argparse.Namespace) -> None:
    from edgeauth.runtime.local.demo import seed_demo
    from edgeauth.runtime.local.serve import serve
    from edgeauth.worker import app

    host_for_urls = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host  # noqa: S104
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    origin = f"{'https' if tls else 'http'}://{host_for_urls}:{args.port}"
    print(f"edgeauth: default tenant {args.default_tenant!r}, issuer {origin}/", flush=True)
    demo = await seed_demo(runtime.platform, origin) if args.demo else None
    if demo is not None:
        print(demo.summary(), flush=True)
    if args.demo or args.local_outbox:
        print(f"edgeauth: every tenant's outbox is served to loopback clients at {origin}/local/outbox")
    await serve(
        runtime,
        app,
        host=args.host,
        port=args.port,
        test_scheduled=args.test_scheduled,
        demo=demo,
        outbox=args.local_outbox,
        tls=tls,
    )


def _local_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=os.environ.get("EDGEAUTH_DATA", DEFAULT_DATA))
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--default-tenant", default="default", help=argparse.SUPPRESS)
    parser.add_argument("--base-domain", default="localhost", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edgeauth", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    serve = verbs.add_parser("serve", help="serve the local runtime over HTTP")
    _local_options(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--demo", action="store_true", help="seed a demo API, apps and user; serve the demo SPA at /demo/"
    )
    serve.add_argument("--test-scheduled", action="store_true", help=f"enable {SCHEDULED_HELP}")
    serve.add_argument(
        "--local-outbox", action="store_true", help="serve the outbox at /local/outbox (implied by --demo)"
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        help="a reverse proxy's address: its X-Forwarded-For names the client (repeatable)",
    )
    serve.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (needs --tls-key)")
    serve.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    add_admin_commands(verbs, _local_options)
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
        if args.verb == "serve":
            await serve_command(runtime, args)
            return 0
        result = await args.handler(runtime.platform, args)
        if args.delivers:  # what the command queued (user events, an import's parts) is delivered
            await runtime.drain_queues()  # now, with or without a server
    except AdminError as exc:
        print(f"edgeauth: {exc.message}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
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
