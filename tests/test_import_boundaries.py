"""The Authentication-API path loads without pydantic or cryptography (docs/architecture.md, "One core, two
runtimes").

On Workers it signs through WebCrypto and no Pyodide build of pydantic-core can be had offline, so
every module the Worker serves from must import with both packages refused.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CPYTHON_ONLY = ("edgeauth.runtime", "edgeauth.cli")
# Imported on the first `/api/v2` request only (edgeauth.http.lazy_app); pydantic is its point.
MANAGEMENT_API = ("edgeauth.management",)

BLOCKER = """
import importlib, importlib.abc, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"pydantic", "pydantic_core", "cryptography"}:
            raise ImportError(f"{name} is blocked on the Authentication-API path")
        return None

sys.meta_path.insert(0, Refuse())
for module in sys.argv[1:]:
    importlib.import_module(module)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in {"pydantic", "cryptography"})
assert not leaked, leaked
print("imported", len(sys.argv) - 1)
"""


def worker_modules() -> list[str]:
    """Every module of the Worker bundle except the CPython-only adapters and CLI."""
    names = []
    for base in (ROOT / "src", ROOT):
        for package in ("edgeauth", "durable_objects", "queues"):
            for path in sorted((base / package).rglob("*.py")):
                module = ".".join(path.relative_to(base).with_suffix("").parts)
                module = module.removesuffix(".__init__")
                if not module.startswith(CPYTHON_ONLY + MANAGEMENT_API):
                    names.append(module)
    return names


def test_worker_modules_import_without_pydantic_or_cryptography() -> None:
    modules = worker_modules()
    assert "edgeauth.worker" in modules and "edgeauth.oauth.token_endpoint" in modules
    assert "durable_objects.user_object" in modules and "queues.consumer" in modules
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKER, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"imported {len(modules)}" in proc.stdout


def test_the_blocker_does_block() -> None:
    """A test that would pass without the guard is a defect: prove the finder refuses."""
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKER, "edgeauth.runtime.local.crypto"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "blocked on the Authentication-API path" in proc.stderr
