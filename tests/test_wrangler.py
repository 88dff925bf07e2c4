"""The Cloudflare side, checked offline with the real wrangler (docs/workers-platform.md, "How the runtime
finds the Worker").

wrangler comes from the repo's node_modules (`npm ci`, which `make test` runs first) and runs in a
temporary copy of the project, so neither `build/` nor `.wrangler/` of the repo is touched. Its
telemetry, update check and Miniflare's `cf.json` download are switched off and its config,
cache and logs go to the temp folder: these commands reach no network.

Three wrangler invocations in all (one shared dry run, migrations apply, one query), ≈ 3 s each.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WRANGLER_VERSION = "4.86.0"
WRANGLER_TIMEOUT_S = 180
# What the project copy needs for `wrangler deploy` (its [build] step) and `wrangler d1`.
PROJECT_FILES = ("wrangler.toml", "tools", "src", "durable_objects", "queues", "templates", "migrations")
FORBIDDEN_MODULES = frozenset(
    {"js", "pyodide", "workers", "_pyodide_entrypoint_helper", "_cloudflare_compat_flags"}
)


def wrangler_config() -> dict:
    with (ROOT / "wrangler.toml").open("rb") as f:
        return tomllib.load(f)


# --- static checks (no wrangler) ---------------------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    """Top-level names of every absolute import in a file, plus `importlib.import_module("x")`
    / `__import__("x")` with a literal name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
    return names


def test_only_runtime_cloudflare_imports_js_pyodide_or_workers() -> None:
    """docs/architecture.md: the core (and the code both runtimes host) never imports `js`, `pyodide` or
    `workers`; JS <-> Python conversion lives in edgeauth/runtime/cloudflare/ only."""
    cloudflare = ROOT / "src" / "edgeauth" / "runtime" / "cloudflare"
    files = [
        path
        for base in (ROOT / "src" / "edgeauth", ROOT / "durable_objects", ROOT / "queues")
        for path in sorted(base.rglob("*.py"))
        if not path.is_relative_to(cloudflare)
    ]
    assert len(files) > 10, files
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_modules(path) & FORBIDDEN_MODULES) for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    # The check sees imports at all: the Cloudflare adapters do import them.
    assert {"js", "pyodide", "workers"} <= set().union(
        *(_imported_modules(path) for path in cloudflare.glob("*.py"))
    )


def test_entry_exports_default_and_every_durable_object_class() -> None:
    """The runtime collects the main module's public classes by `__name__`: `Default`, and each
    Durable Object under its wrangler.toml `class_name` (declared as a SQLite class)."""
    config = wrangler_config()
    class_names = {b["class_name"] for b in config["durable_objects"]["bindings"]}
    sqlite_classes = {name for m in config["migrations"] for name in m.get("new_sqlite_classes", [])}
    assert class_names <= sqlite_classes
    tree = ast.parse((ROOT / "src" / "entry.py").read_text(encoding="utf-8"))
    exported: list[str] = []
    assigned: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if "__all__" in targets:
                exported = list(ast.literal_eval(node.value))
            assigned |= targets
        elif isinstance(node, ast.ImportFrom):
            assigned |= {alias.asname or alias.name for alias in node.names}
    assert sorted(exported) == sorted({"Default"} | class_names)
    assert set(exported) <= assigned
    assert config["main"] == "build/entry.py"


def test_durable_object_bindings_match_the_hosted_classes() -> None:
    """wrangler.toml's `name -> class_name` is `edgeauth.worker.DURABLE_OBJECTS`' binding -> class."""
    from edgeauth.worker import DURABLE_OBJECTS

    declared = {b["name"]: b["class_name"] for b in wrangler_config()["durable_objects"]["bindings"]}
    hosted = {binding: cls.__name__ for binding, cls in DURABLE_OBJECTS.items()}
    assert declared == hosted
    for cls in DURABLE_OBJECTS.values():
        assert all(callable(getattr(cls, name, None)) for name in cls.RPC_METHODS)


def test_wrangler_is_pinned() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert package["private"] is True
    assert package["devDependencies"]["wrangler"] == WRANGLER_VERSION
    assert "scripts" not in package
    assert lock["packages"]["node_modules/wrangler"]["version"] == WRANGLER_VERSION


def test_stage_bundle_copies_the_worker_without_the_local_runtime(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    (out / "stale").mkdir(parents=True)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "stage_bundle.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    _assert_staged(out)
    assert not (out / "stale").exists()
    assert (out / "entry.py").read_bytes() == (ROOT / "src" / "entry.py").read_bytes()


def _assert_staged(bundle: Path) -> None:
    """The staged bundle: the main module, the packages both runtimes host, the templates; no
    CPython-only runtime and no bytecode caches."""
    assert (bundle / "entry.py").is_file()
    for package in ("edgeauth", "durable_objects", "queues"):
        assert (bundle / package / "__init__.py").is_file(), package
    assert (bundle / "templates").is_dir()
    assert (bundle / "edgeauth" / "runtime" / "cloudflare" / "worker.py").is_file()
    assert not (bundle / "edgeauth" / "runtime" / "local").exists()
    assert not (bundle / "edgeauth" / "cli.py").exists()
    assert not list(bundle.rglob("__pycache__"))
    assert not list(bundle.rglob("*.pyc"))
    assert not (bundle / "edgeauth.egg-info").exists()


# --- real wrangler ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One finished wrangler command."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def check(self) -> Run:
        assert self.returncode == 0, f"wrangler {' '.join(self.args)} failed:\n{self.output}"
        return self


@dataclass(frozen=True)
class Project:
    """A throwaway copy of the project with the repo's node_modules linked in."""

    root: Path
    scratch: Path

    def wrangler(self, *args: str) -> Run:
        """`npx --no-install wrangler ARGS` in the copy, offline and non-interactive."""
        scratch = self.scratch
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CLOUDFLARE_", "CF_", "WRANGLER_", "MINIFLARE_"))
        }
        env.update(
            CI="true",  # non-interactive: no prompts (migrations apply confirms by itself)
            NO_COLOR="1",
            FORCE_COLOR="0",
            WRANGLER_SEND_METRICS="false",
            WRANGLER_SEND_ERROR_REPORTS="false",
            WRANGLER_HIDE_BANNER="true",  # the banner is what runs the npm update check
            CLOUDFLARE_CF_FETCH_ENABLED="false",  # Miniflare would download cf.json
            XDG_CONFIG_HOME=str(scratch / "config"),  # no user login or account cache
            WRANGLER_CACHE_DIR=str(scratch / "cache"),
            MINIFLARE_CACHE_DIR=str(scratch / "cache"),
            WRANGLER_LOG_PATH=str(scratch / "logs"),
            NPM_CONFIG_UPDATE_NOTIFIER="false",
            PYTHONDONTWRITEBYTECODE="1",
        )
        started = time.monotonic()
        proc = subprocess.run(
            ["npx", "--no-install", "wrangler", *args],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=WRANGLER_TIMEOUT_S,
            check=False,
        )
        seconds = time.monotonic() - started
        print(f"wrangler {' '.join(args[:3])}: {seconds:.1f} s")
        return Run(tuple(args), proc.returncode, proc.stdout, proc.stderr, seconds)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    wrangler_bin = ROOT / "node_modules" / ".bin" / "wrangler"
    if not wrangler_bin.exists() or shutil.which("npx") is None:
        pytest.fail(
            "wrangler is not installed: run `npm ci` in the repo root (`make test` does it first); "
            f"expected {wrangler_bin} and `npx` on PATH",
            pytrace=False,
        )
    scratch = tmp_path_factory.mktemp("wrangler")
    root = scratch / "project"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, root / name)
    (root / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    yield Project(root=root, scratch=scratch)


@pytest.fixture(scope="module")
def dry_run(project: Project) -> Run:
    """One `wrangler deploy --dry-run` for all the checks below (it runs the [build] step)."""
    return project.wrangler("deploy", "--dry-run", "--outdir", str(project.scratch / "out")).check()


def _binding_lines(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "has access to the following bindings" in line)
    return [" ".join(line.split()) for line in lines[start + 1 :] if line.strip().startswith("env.")]


def test_dry_run_lists_every_binding(dry_run: Run) -> None:
    assert "[custom build] Running: python3 tools/stage_bundle.py" in dry_run.output
    assert "--dry-run: exiting now." in dry_run.output
    lines = _binding_lines(dry_run.output)
    config = wrangler_config()

    def listed(prefix: str, kind: str) -> bool:
        return any(line.startswith(prefix) and line.endswith(kind) for line in lines)

    # The bindings the core is written against (edgeauth.runtime.cloudflare.bindings).
    assert listed("env.USERS (UserObject)", "Durable Object"), lines
    assert listed("env.CONFIG (", "KV Namespace"), lines
    assert listed("env.DB (", "D1 Database"), lines
    assert listed("env.USER_EVENTS (edgeauth-user-events)", "Queue"), lines
    # ... and everything wrangler.toml declares.
    for b in config["durable_objects"]["bindings"]:
        assert listed(f"env.{b['name']} ({b['class_name']})", "Durable Object"), lines
    for b in config["kv_namespaces"]:
        assert listed(f"env.{b['binding']} ({b['id']})", "KV Namespace"), lines
    for b in config["d1_databases"]:
        assert listed(f"env.{b['binding']} ({b['database_name']})", "D1 Database"), lines
    for b in config["queues"]["producers"]:
        assert listed(f"env.{b['binding']} ({b['queue']})", "Queue"), lines
    assert {"DEFAULT_TENANT", "BASE_DOMAIN"} <= set(config["vars"])
    for name, value in config["vars"].items():
        assert listed(f"env.{name} ({json.dumps(value)})", "Environment Variable"), lines


def test_dry_run_stages_and_uploads_the_bundle(dry_run: Run, project: Project) -> None:
    _assert_staged(project.root / "build")
    uploaded = set(re.findall(r"│ (\S+\.py)\s+│ python", dry_run.output))
    assert "edgeauth/runtime/cloudflare/worker.py" in uploaded
    assert "durable_objects/user_object.py" in uploaded
    assert not [name for name in uploaded if name.startswith("edgeauth/runtime/local/")]
    assert (project.scratch / "out" / "entry.py").is_file()  # the main module itself
    assert "WARNING" not in dry_run.output, dry_run.output


def test_d1_migrations_apply_locally(project: Project) -> None:
    """Every file of migrations/ applies on Miniflare's local D1, and the tables are there."""
    migrations = sorted(path.name for path in (project.root / "migrations").glob("*.sql"))
    assert migrations, "migrations/ holds no .sql file"
    state = str(project.scratch / "d1-state")
    applied = project.wrangler("d1", "migrations", "apply", "DB", "--local", "--persist-to", state).check()
    for name in migrations:
        assert re.search(rf"│ {re.escape(name)}\s+│ ✅", applied.output), applied.output

    query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    listed = project.wrangler(
        "d1", "execute", "DB", "--local", "--persist-to", state, "--json", "--command", query
    ).check()
    tables = {row["name"] for row in json.loads(listed.stdout)[0]["results"]}
    created = {
        match.lower()
        for name in migrations
        for match in re.findall(
            r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`]?(\w+)",
            (project.root / "migrations" / name).read_text(encoding="utf-8"),
            flags=re.IGNORECASE,
        )
    }
    assert created, "no CREATE TABLE found in migrations/"
    assert created | {"d1_migrations"} <= {t.lower() for t in tables}, tables
