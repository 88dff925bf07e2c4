"""Put the pure-Python packages the Worker bundle needs into a cache folder for the edge host.

On Cloudflare, pywrangler vendors `[project].dependencies` (and the workers SDK) into
`python_modules/`; the edge host (tools/edge/host.mjs) unpacks the same packages into npm
Pyodide's site-packages instead. Versions are pinned to what the running interpreter has
installed, so the local runtime (CPython, this venv) and the edge host run the same code:

    starlette anyio sniffio idna typing_extensions python-multipart jinja2 pyjwt libpass segno
    cbor2                                                       (pure wheels, `--platform any`)
    workers-runtime-sdk 1.9.5                                                     (wheel)
    markupsafe: only `__init__.py` and `_native.py` from its sdist (the C speedups are optional,
    and npm Pyodide has no build of them)

The cache holds the wheels, a `markupsafe/` folder and `manifest.json`, which the host reads.
Idempotent: when the manifest already lists exactly these pins and every file is present, it
returns at once without running pip. Standard library only, plus `python -m pip download`.

    python tools/edge/fetch_wheels.py [--dest DIR]        (default: .edge/wheels/)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEST = ROOT / ".edge" / "wheels"
MANIFEST = "manifest.json"

# Distribution names, pinned to the versions installed in the running interpreter.
WHEELS = (
    "starlette",
    "anyio",
    "sniffio",
    "idna",
    "typing_extensions",
    "python-multipart",
    "jinja2",
    "pyjwt",
    "libpass",
    "segno",
    "cbor2",
)
# The runtime no longer ships `workers` (compat date >= 2026-04-21); this is the SDK version the
# project targets (docs/workers-platform.md, "Versions"), not something the local runtime installs.
FIXED = {"workers-runtime-sdk": "1.9.5"}
# Used only when the interpreter does not have the package: anyio >= 4.12 no longer needs sniffio,
# so the venv may lack it; this is the version the edge harness note verified.
FALLBACK = {"sniffio": "1.3.1"}
MARKUPSAFE_FILES = ("__init__.py", "_native.py")
# Not here: bcrypt and argon2-cffi, Pyodide builds that npm Pyodide does not ship (pywrangler
# vendors them from Pyodide's index on Cloudflare); the edge host checks bcrypt with libpass.


def _normalise(name: str) -> str:
    """PEP 503 name, also how wheel file names start (with `_` for `-`)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def pins() -> dict[str, str]:
    """Distribution name -> version for every wheel, plus `markupsafe` (sdist)."""
    wanted: dict[str, str] = {}
    missing = []
    for name in (*WHEELS, "markupsafe"):
        try:
            wanted[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if name not in FALLBACK:
                missing.append(name)
                continue
            wanted[name] = FALLBACK[name]
    if missing:
        raise SystemExit(
            f"{', '.join(missing)} not installed in {sys.executable}: run this with the project's "
            "venv (.venv/bin/python) so the edge host uses the same versions as the local runtime"
        )
    wanted.update(FIXED)
    return wanted


def _wheel_for(dest: Path, name: str, version: str) -> Path | None:
    """The cached pure wheel of `name==version`, if present."""
    prefix = f"{_normalise(name)}-{version}-"
    for path in dest.glob("*.whl"):
        if path.name.lower().startswith(prefix) and path.name.endswith("-py3-none-any.whl"):
            return path
    return None


def _read_manifest(dest: Path) -> dict | None:
    try:
        return json.loads((dest / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def _up_to_date(dest: Path, wanted: dict[str, str]) -> bool:
    manifest = _read_manifest(dest)
    if not manifest or manifest.get("pins") != wanted:
        return False
    files = [dest / wheel for wheel in manifest.get("wheels", [])]
    files += [dest / "markupsafe" / name for name in MARKUPSAFE_FILES]
    return all(path.is_file() for path in files)


def _pip_download(dest: Path, requirements: list[str], *binary_flags: str) -> None:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(dest)]
    proc = subprocess.run(
        [*command, *binary_flags, *requirements], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"pip download failed for {' '.join(requirements)}:\n{proc.stderr}")


def _extract_markupsafe(sdist: Path, out: Path) -> None:
    """Copy markupsafe's pure-Python modules out of its sdist (`src/markupsafe/...`)."""
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist) as archive:
        members = {Path(m.name).as_posix(): m for m in archive.getmembers() if m.isfile()}
        for name in MARKUPSAFE_FILES:
            member = next(
                (m for path, m in members.items() if path.endswith(f"/src/markupsafe/{name}")), None
            )
            if member is None:
                raise SystemExit(f"{sdist.name} has no src/markupsafe/{name}")
            source = archive.extractfile(member)
            assert source is not None
            (out / name).write_bytes(source.read())


def fetch(dest: Path = DEFAULT_DEST) -> Path:
    """Make `dest` hold exactly the pinned packages; returns `dest`."""
    wanted = pins()
    dest.mkdir(parents=True, exist_ok=True)
    if _up_to_date(dest, wanted):
        return dest

    wheel_pins = {name: version for name, version in wanted.items() if name != "markupsafe"}
    absent = [f"{n}=={v}" for n, v in wheel_pins.items() if _wheel_for(dest, n, v) is None]
    if absent:
        # cbor2 also ships C builds; Pyodide takes its pure wheel (the C part is optional).
        _pip_download(dest, absent, "--only-binary=:all:", "--platform", "any")
    wheels = []
    for name, version in wheel_pins.items():
        wheel = _wheel_for(dest, name, version)
        if wheel is None:
            raise SystemExit(f"pip did not produce a pure wheel for {name}=={version}")
        wheels.append(wheel.name)
    # Stale versions would be unpacked too: keep only the pinned wheels.
    for path in dest.glob("*.whl"):
        if path.name not in wheels:
            path.unlink()

    with tempfile.TemporaryDirectory() as scratch:
        _pip_download(Path(scratch), [f"markupsafe=={wanted['markupsafe']}"], "--no-binary=:all:")
        sdist = next(Path(scratch).glob("*.tar.gz"), None)
        if sdist is None:
            raise SystemExit("pip did not produce the markupsafe sdist")
        shutil.rmtree(dest / "markupsafe", ignore_errors=True)
        _extract_markupsafe(sdist, dest / "markupsafe")

    manifest = {"pins": wanted, "wheels": sorted(wheels), "packages": ["markupsafe"]}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dest", type=Path, default=DEFAULT_DEST, help=f"cache folder (default: {DEFAULT_DEST})"
    )
    args = parser.parse_args(argv)
    dest = fetch(args.dest.resolve())
    print(f"edge wheels ready in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
