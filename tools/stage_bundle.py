"""Stage the Worker bundle into build/ (wrangler.toml `[build] command`).

wrangler uploads only the folder that holds `main`, so the Worker's sources, which live in
`src/`, `durable_objects/`, `queues/` and `templates/`, are copied into one folder:

    build/entry.py            <- src/entry.py (the main module)
    build/edgeauth/           <- src/edgeauth/ without runtime/local/ and cli.py (CPython-only)
    build/durable_objects/    <- durable_objects/
    build/queues/             <- queues/
    build/templates/          <- templates/

Standard library only, and it never imports edgeauth: wrangler runs it with whatever `python3`
is on PATH, before any virtualenv exists.

    python3 tools/stage_bundle.py [--root DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (source relative to the project root, destination relative to the bundle root, required)
# templates/ may be absent from a fresh clone while it is empty (git keeps no empty folders).
TREES = (
    ("src/edgeauth", "edgeauth", True),
    ("durable_objects", "durable_objects", True),
    ("queues", "queues", True),
    ("templates", "templates", False),
)
FILES = (("src/entry.py", "entry.py"),)

# Paths (relative to the bundle root) that must not ship to Workers: CPython-only code.
EXCLUDED = frozenset({"edgeauth/runtime/local", "edgeauth/cli.py"})
IGNORED_NAMES = ("__pycache__", "*.pyc", "*.pyo", ".DS_Store")
_CACHES = shutil.ignore_patterns(*IGNORED_NAMES)


def stage(root: Path = ROOT, out: Path | None = None) -> Path:
    """Copy the Worker's sources from `root` into `out` (default `root/build`), cleaned first."""
    out = (out or root / "build").resolve()
    if root.resolve().is_relative_to(out):
        raise SystemExit(f"refusing to stage into {out}: it would delete the project")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for src_rel, dest_rel in FILES:
        src = root / src_rel
        if not src.is_file():
            raise SystemExit(f"missing {src}")
        shutil.copy2(src, out / dest_rel)
    for src_rel, dest_rel, required in TREES:
        src = root / src_rel
        dest = out / dest_rel
        if not src.is_dir():
            if required:
                raise SystemExit(f"missing {src}/")
            dest.mkdir()
            continue

        def ignore(directory: str, names: list[str], src: Path = src, dest_rel: str = dest_rel) -> set[str]:
            """Drop caches, and the subtrees listed in EXCLUDED."""
            ignored = set(_CACHES(directory, names))
            here = Path(dest_rel) / Path(directory).relative_to(src)
            ignored.update(name for name in names if (here / name).as_posix() in EXCLUDED)
            return ignored

        shutil.copytree(src, dest, ignore=ignore)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (default: this repo)")
    parser.add_argument("--out", type=Path, default=None, help="bundle folder (default: ROOT/build)")
    args = parser.parse_args(argv)
    out = stage(args.root.resolve(), args.out)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"staged {files} files into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
