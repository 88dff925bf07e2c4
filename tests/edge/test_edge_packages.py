"""What the edge host runs is pinned: npm packages in package.json, Python packages to this venv."""

from __future__ import annotations

import importlib.util
import json
from importlib import metadata
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_fetch_wheels() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_wheels", ROOT / "tools" / "edge" / "fetch_wheels.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_npm_packages_are_pinned_without_install_scripts() -> None:
    package = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    wrangler = json.loads((ROOT / "node_modules" / "wrangler" / "package.json").read_text())
    assert package["pyodide"] == "0.28.2"  # the Pyodide of Python Workers on Python 3.13
    assert package["miniflare"] == wrangler["dependencies"]["miniflare"]  # the one wrangler runs
    assert package["sql.js"].split(".")[0] == "1"
    for name in ("pyodide", "miniflare", "sql.js"):
        assert lock[f"node_modules/{name}"]["version"] == package[name]
        assert not lock[f"node_modules/{name}"].get("hasInstallScript"), name


def test_wheels_are_pinned_to_this_venv() -> None:
    pins = load_fetch_wheels().pins()
    assert pins["workers-runtime-sdk"] == "1.9.5"
    for name in ("starlette", "anyio", "idna", "python-multipart", "jinja2", "pyjwt", "markupsafe"):
        assert pins[name] == metadata.version(name), name
