"""A Cloudflare API double on loopback for the deploy test: it answers the calls `wrangler deploy`
and its resource commands make (in Cloudflare's `{success, errors, messages, result}` envelope),
keeps the resources they create, and records every request, upload bodies included.

wrangler reads `CLOUDFLARE_API_BASE_URL`, so pointing it here makes a real deploy reach nothing
else. Only what wrangler 4.86 calls for this project is modelled; anything else answers 404 in
Cloudflare's shape, so a new call shows up as a failed deploy, not as a silent success.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.json_http import send_json

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
PREFIX = "/client/v4"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def parts(self) -> dict[str, tuple[str, bytes]]:
        """A multipart/form-data body as {name: (content type, bytes)}."""
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.content_type}\r\n\r\n".encode() + self.body
        )
        parts: dict[str, tuple[str, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            parts[str(name)] = (part.get_content_type(), part.get_payload(decode=True) or b"")
        return parts


@dataclass
class Account:
    """What the double holds: resources by name, scripts, secrets, and every request."""

    requests: list[Recorded] = field(default_factory=list)
    kv: dict[str, str] = field(default_factory=dict)  # id -> title
    d1: dict[str, str] = field(default_factory=dict)  # uuid -> name
    queues: dict[str, str] = field(default_factory=dict)  # id -> name
    consumers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # queue id -> consumers
    scripts: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> metadata
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)  # script -> {name: type}
    schedules: dict[str, list[str]] = field(default_factory=dict)  # script -> crons
    d1_queries: list[str] = field(default_factory=list)

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]


Handler = Callable[[Account, Recorded, re.Match[str]], Any]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []
SCRIPT = rf"/accounts/{ACCOUNT_ID}/workers/scripts/(?P<script>[^/]+)"


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append((method, re.compile(pattern), handler))
        return handler

    return register


class NotFound(Exception):
    pass


@route("GET", r"/user/tokens/verify")
def verify_token(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return {"id": "token", "status": "active"}


@route("GET", r"/memberships")
def memberships(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return [{"account": {"id": ACCOUNT_ID, "name": "edgeauth test"}}]


@route("GET", rf"/accounts/{ACCOUNT_ID}/storage/kv/namespaces")
def list_kv(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return [{"id": i, "title": t} for i, t in account.kv.items()]


@route("POST", rf"/accounts/{ACCOUNT_ID}/storage/kv/namespaces")
def create_kv(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    namespace_id = uuid.uuid4().hex
    account.kv[namespace_id] = request.json()["title"]
    return {"id": namespace_id, "title": account.kv[namespace_id]}


@route("GET", rf"/accounts/{ACCOUNT_ID}/d1/database")
def list_d1(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    name = request.query.get("name", [None])[0]
    return [{"uuid": u, "name": n} for u, n in account.d1.items() if name in (None, n)]


@route("POST", rf"/accounts/{ACCOUNT_ID}/d1/database")
def create_d1(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    database_id = str(uuid.uuid4())
    account.d1[database_id] = request.json()["name"]
    return {"uuid": database_id, "name": account.d1[database_id], "created_at": "2026-12-04T00:00:00Z"}


@route("GET", rf"/accounts/{ACCOUNT_ID}/d1/database/(?P<db>[^/]+)")
def get_d1(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    if match["db"] not in account.d1:
        raise NotFound
    return {"uuid": match["db"], "name": account.d1[match["db"]], "version": "production"}


@route("POST", rf"/accounts/{ACCOUNT_ID}/d1/database/(?P<db>[^/]+)/(query|raw)")
def query_d1(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    sql = str(request.json().get("sql", ""))
    account.d1_queries.append(sql)
    results: list[dict[str, Any]] = []
    meta = {"changes": 0, "duration": 1, "last_row_id": 0, "rows_read": 0, "rows_written": 0}
    return [{"results": results, "success": True, "meta": meta}]


def queue_json(account: Account, queue_id: str) -> dict[str, Any]:
    consumers = account.consumers.get(queue_id, [])
    return {
        "queue_id": queue_id,
        "queue_name": account.queues[queue_id],
        "created_on": "2026-12-04T00:00:00Z",
        "modified_on": "2026-12-04T00:00:00Z",
        "producers": [],
        "producers_total_count": 0,
        "consumers": consumers,
        "consumers_total_count": len(consumers),
    }


@route("GET", rf"/accounts/{ACCOUNT_ID}/queues")
def list_queues(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    name = request.query.get("name", [None])[0]
    return [queue_json(account, i) for i, n in account.queues.items() if name in (None, n)]


@route("POST", rf"/accounts/{ACCOUNT_ID}/queues")
def create_queue(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    queue_id = uuid.uuid4().hex
    account.queues[queue_id] = request.json()["queue_name"]
    return queue_json(account, queue_id)


@route("GET", rf"/accounts/{ACCOUNT_ID}/queues/(?P<queue>[^/]+)")
def get_queue(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    if match["queue"] not in account.queues:
        raise NotFound
    return queue_json(account, match["queue"])


@route("POST", rf"/accounts/{ACCOUNT_ID}/queues/(?P<queue>[^/]+)/consumers")
def add_consumer(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    consumer = request.json()
    account.consumers.setdefault(match["queue"], []).append(consumer)
    return consumer


def script_json(account: Account, name: str) -> dict[str, Any]:
    """A deployed script as wrangler reads it back: its Durable Object migration tag above all."""
    migrations = account.scripts[name].get("migrations") or {}
    return {"id": name, "created_on": "2026-12-04T00:00:00Z", "migration_tag": migrations.get("new_tag")}


@route("GET", rf"/accounts/{ACCOUNT_ID}/workers/scripts")
def list_scripts(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return [script_json(account, name) for name in account.scripts]


@route("GET", rf"/accounts/{ACCOUNT_ID}/workers/services/(?P<script>[^/]+)")
def get_service(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    if match["script"] not in account.scripts:
        raise NotFound
    script = script_json(account, match["script"])
    return {"id": match["script"], "default_environment": {"environment": "production", "script": script}}


@route("PUT", SCRIPT)
def upload_script(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    metadata = json.loads(request.parts()["metadata"][1])
    account.scripts[match["script"]] = metadata
    for binding in metadata.get("bindings", []):  # `deploy --secrets-file` uploads them here
        if binding["type"] == "secret_text":
            account.secrets.setdefault(match["script"], {})[binding["name"]] = "secret_text"
    return {"id": match["script"], "etag": uuid.uuid4().hex, "deployment_id": uuid.uuid4().hex}


@route("POST", rf"{SCRIPT}/versions")
def upload_version(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    """A redeploy of an existing script: a new version, then a deployment of it."""
    upload_script(account, request, match)
    number = len(account.calls("POST", rf"{SCRIPT}/versions"))
    script = {"etag": uuid.uuid4().hex, "handlers": ["fetch", "queue", "scheduled"]}
    return {"id": str(uuid.uuid4()), "number": number, "resources": {"script": script}, "startup_time_ms": 1}


@route("POST", rf"{SCRIPT}/deployments")
def deploy_version(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return {"id": str(uuid.uuid4()), "versions": request.json().get("versions", [])}


@route("PATCH", rf"{SCRIPT}/script-settings")
def patch_settings(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return request.json()


@route("GET", rf"{SCRIPT}/settings")
def script_settings(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    metadata = account.scripts.get(match["script"], {})
    return {
        "bindings": metadata.get("bindings", []),
        "compatibility_date": metadata.get("compatibility_date"),
    }


@route("PUT", rf"{SCRIPT}/secrets")
def put_secret(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    secret = request.json()
    account.secrets.setdefault(match["script"], {})[secret["name"]] = secret["type"]
    return {"name": secret["name"], "type": secret["type"]}


@route("GET", rf"{SCRIPT}/secrets")
def list_secrets(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    if match["script"] not in account.scripts:
        raise NotFound
    return [{"name": n, "type": t} for n, t in account.secrets.get(match["script"], {}).items()]


@route("PUT", rf"{SCRIPT}/schedules")
def put_schedules(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    account.schedules[match["script"]] = [item["cron"] for item in request.json()]
    return {"schedules": request.json()}


@route("GET", rf"/accounts/{ACCOUNT_ID}/workers/subdomain")
def subdomain(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return {"subdomain": "edgeauth-test"}


@route("GET", rf"{SCRIPT}/subdomain")
def script_subdomain(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return {"enabled": True, "previews_enabled": False}


@route("POST", rf"{SCRIPT}/subdomain")
def enable_subdomain(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return {"enabled": True, "previews_enabled": False}


@route("GET", rf"{SCRIPT}/deployments")
def deployments(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return {"deployments": []}


@route("GET", rf"/accounts/{ACCOUNT_ID}/workers/durable_objects/namespaces")
def do_namespaces(account: Account, request: Recorded, match: re.Match[str]) -> Any:
    return []


def handler_class(account: Account) -> type[BaseHTTPRequestHandler]:
    class CloudflareApi(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            path = url.path.removeprefix(PREFIX)
            recorded = Recorded(
                self.command, path, parse_qs(url.query), self.headers.get("content-type", ""), body
            )
            account.requests.append(recorded)
            status, envelope = (
                404,
                {
                    "success": False,
                    "errors": [
                        {"code": 10007, "message": f"not modelled by the double: {self.command} {path}"}
                    ],
                    "messages": [],
                    "result": None,
                },
            )
            for method, pattern, handler in ROUTES:
                match = pattern.fullmatch(path)
                if method == self.command and match:
                    try:
                        result = handler(account, recorded, match)
                    except NotFound:
                        envelope["errors"] = [{"code": 10007, "message": "not found"}]
                        break
                    if isinstance(result, list):  # pages as Cloudflare's: past the last, an empty one
                        page = int(recorded.query.get("page", ["1"])[0])
                        per_page = int(recorded.query.get("per_page", ["20"])[0])
                        total = len(result)
                        result = result[(page - 1) * per_page : page * per_page]
                        info = {
                            "page": page,
                            "per_page": per_page,
                            "count": len(result),
                            "total_count": total,
                        }
                        status, envelope = (
                            200,
                            {"success": True, "errors": [], "messages": [], "result": result},
                        )
                        envelope["result_info"] = {**info, "total_pages": max(1, -(-total // per_page))}
                    else:
                        status, envelope = (
                            200,
                            {"success": True, "errors": [], "messages": [], "result": result},
                        )
                    break
            send_json(self, status, envelope)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return CloudflareApi


@contextmanager
def cloudflare_api() -> Iterator[tuple[str, Account]]:
    """Serve the double on a free loopback port; yields (base URL for wrangler, the account)."""
    account = Account()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class(account))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}", account
    finally:
        server.shutdown()
        server.server_close()
