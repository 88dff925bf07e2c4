"""`make deploy`: everything docs/cloudflare.md lists, in order, idempotent (a second run reuses
what the first made and changes nothing it should not):

1. the KV namespace, D1 database, queue and dead-letter queue: found by name, else created; the
   ids go into wrangler.toml in place of its placeholders (wrangler's automatic provisioning
   covers KV and D1 only, and `d1 migrations apply` needs the id, so all are made here);
2. the D1 migrations, applied remotely;
3. the Python dependencies vendored into `python_modules/` (`pywrangler sync`, which downloads
   Pyodide packages: `--no-vendor` skips it when they are already there, or offline);
4. `wrangler deploy`, with `EDGEAUTH_SECRET_KEY` generated and uploaded alongside when the Worker
   has none. An existing key is never replaced: it seals the signing keys already stored.

Standard library only; wrangler is the project's (node_modules/.bin/wrangler, `npm ci`). Every
call goes to Cloudflare's API, or to `CLOUDFLARE_API_BASE_URL` when set (the deploy test's double).

    python tools/deploy.py [--config wrangler.toml] [--no-vendor]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY_VAR = "EDGEAUTH_SECRET_KEY"
PLACEHOLDER = re.compile(r"^0+(-0+)*$")


class DeployError(RuntimeError):
    pass


class Wrangler:
    def __init__(self, config: Path) -> None:
        self.config = config
        self.binary = ROOT / "node_modules" / ".bin" / "wrangler"
        if not self.binary.exists():
            raise DeployError("wrangler is missing: run `npm ci` (make deploy does)")

    def run(self, *args: str, stdin: str | None = None) -> str:
        command = [str(self.binary), *args, "--config", str(self.config)]
        print("$ wrangler " + " ".join(args), flush=True)
        done = subprocess.run(
            command,
            cwd=self.config.parent,
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "true"},
            check=False,
        )
        if done.returncode != 0:
            raise DeployError(f"wrangler {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def json(self, *args: str) -> Any:
        out = self.run(*args)
        return json.loads(out[out.index("[") if "[" in out else 0 :])


def settings(config: Path) -> dict[str, Any]:
    with config.open("rb") as f:
        return tomllib.load(f)


def kv_namespace(wrangler: Wrangler, title: str) -> str:
    """The id of the KV namespace titled `title`, created if missing."""
    for namespace in wrangler.json("kv", "namespace", "list"):
        if namespace["title"] == title:
            return str(namespace["id"])
    wrangler.run("kv", "namespace", "create", title)
    return next(str(n["id"]) for n in wrangler.json("kv", "namespace", "list") if n["title"] == title)


def d1_database(wrangler: Wrangler, name: str) -> str:
    """The uuid of the D1 database named `name`, created if missing."""
    for database in wrangler.json("d1", "list", "--json"):
        if database["name"] == name:
            return str(database["uuid"])
    wrangler.run("d1", "create", name)
    return next(str(d["uuid"]) for d in wrangler.json("d1", "list", "--json") if d["name"] == name)


def ensure_queue(wrangler: Wrangler, name: str) -> None:
    listed = wrangler.run("queues", "list")
    if not re.search(rf"(^|[\s│|]){re.escape(name)}([\s│|]|$)", listed, re.MULTILINE):
        wrangler.run("queues", "create", name)


def fill_id(text: str, table: str, binding: str, key: str, value: str) -> str:
    """`key = "<placeholder>"` of the `[[table]]` entry with `binding` set to `value`; an id already
    there stays (a second deploy, or ids set by hand)."""
    pattern = re.compile(
        rf'(\[\[{re.escape(table)}\]\][^\[]*?binding = "{re.escape(binding)}"[^\[]*?{key} = ")([^"]*)(")',
        re.DOTALL,
    )
    match = pattern.search(text)
    if match is None:
        raise DeployError(f'wrangler.toml has no [[{table}]] with binding = "{binding}" and {key}')
    if not PLACEHOLDER.fullmatch(match.group(2)):
        return text
    return text[: match.start(2)] + value + text[match.end(2) :]


def has_secret_key(wrangler: Wrangler, worker: str) -> bool:
    """Whether the deployed Worker already holds the deployment key (no Worker yet: no key)."""
    try:
        listed = wrangler.json("secret", "list", "--format", "json")
    except DeployError as error:
        if "10007" in str(error) or "not found" in str(error).lower():
            return False
        raise
    return any(secret["name"] == SECRET_KEY_VAR for secret in listed)


def vendor(config_dir: Path) -> None:
    """`pywrangler sync`: `[project].dependencies` built for Pyodide into python_modules/."""
    uvx = shutil.which("uvx")
    command = [uvx, "--from", "workers-py", "pywrangler", "sync"] if uvx else ["pywrangler", "sync"]
    if not uvx and shutil.which("pywrangler") is None:
        raise DeployError("vendoring needs pywrangler: `pip install workers-py` (or uv), or --no-vendor")
    print("$ " + " ".join(command[-2:]), flush=True)
    subprocess.run(command, cwd=config_dir, check=True)


def deploy(config: Path, *, vendor_packages: bool) -> None:
    wrangler = Wrangler(config)
    conf = settings(config)
    kv_id = kv_namespace(wrangler, f"{conf['name']}-config")
    database = conf["d1_databases"][0]
    d1_id = d1_database(wrangler, database["database_name"])
    consumer = conf["queues"]["consumers"][0]
    for queue in (consumer["queue"], consumer["dead_letter_queue"]):
        ensure_queue(wrangler, queue)
    text = config.read_text()
    text = fill_id(text, "kv_namespaces", "CONFIG", "id", kv_id)
    text = fill_id(text, "d1_databases", "DB", "database_id", d1_id)
    config.write_text(text)
    wrangler.run("d1", "migrations", "apply", database["binding"], "--remote")
    if vendor_packages:
        vendor(config.parent)
    if has_secret_key(wrangler, conf["name"]):
        wrangler.run("deploy")
        return
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    with tempfile.TemporaryDirectory() as tmp:
        secrets_file = Path(tmp) / "secrets.json"
        secrets_file.write_text(json.dumps({SECRET_KEY_VAR: key}))
        secrets_file.chmod(0o600)
        wrangler.run("deploy", "--secrets-file", str(secrets_file))
    print(f"{SECRET_KEY_VAR} was generated and uploaded with the Worker (it is not kept here).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "wrangler.toml")
    parser.add_argument("--no-vendor", action="store_true", help="skip pywrangler sync")
    args = parser.parse_args()
    try:
        deploy(args.config.resolve(), vendor_packages=not args.no_vendor)
    except DeployError as error:
        sys.exit(f"deploy: {error}")


if __name__ == "__main__":
    main()
