"""`pip install .` ships every package: pyproject.toml lists packages explicitly (the source is
spread over `src/`, `durable_objects/` and `queues/`), so a new package must be listed there."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(base).parts)
        for base, top in ((ROOT / "src", "edgeauth"), (ROOT, "durable_objects"), (ROOT, "queues"))
        for init in (base / top).rglob("__init__.py")
    }
    assert found == listed
