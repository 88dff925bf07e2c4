"""What the Workers runtime does in Python around importing the main module (edge host only).

Loaded into Pyodide by tools/edge/python.mjs before the bundle's `entry` is imported; standard
library only at import time, so it does not change which modules the bundle itself imports.

* Import patches: the SDK's `_workers_sdk_package_patches` makes `anyio.to_thread.run_sync` run
  inline (there are no threads on Workers). The runtime installs it through the SDK's `.pth` file
  and workerd's import-patch manager, neither of which exists in npm Pyodide, so the same patch is
  applied here, at the same moment: right after `anyio.to_thread` executes.
* Global scope: while the main module imports, `os.urandom` (and `random`'s private alias of it,
  which `secrets` uses) raise `OSError(EIO, ...)`, as workerd's entropy patches do; the JS side
  (global_scope.mjs) refuses `crypto.getRandomValues`, getentropy, fetch and binding calls.
"""

from __future__ import annotations

import errno
import importlib
import importlib.abc
import importlib.machinery
import os
import random
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any


def _run_sync_inline() -> Callable[..., Any]:
    async def run_sync(func: Callable[..., Any], *args: Any, **_options: Any) -> Any:
        # anyio's options (limiter, abandon_on_cancel, cancellable) mean nothing without threads.
        return func(*args)

    return run_sync


_EXEC_PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "anyio.to_thread": lambda module: setattr(module, "run_sync", _run_sync_inline()),
}


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader, patch: Callable[[ModuleType], None]) -> None:
        self._inner = inner
        self._patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._inner.exec_module(module)
        self._patch(module)


class _PatchFinder(importlib.abc.MetaPathFinder):
    """Wraps the loader of each module in `_EXEC_PATCHES` so the patch runs after it executes."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        patch = _EXEC_PATCHES.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
        return None


def install_import_patches() -> None:
    if not any(isinstance(finder, _PatchFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchFinder())


def import_main_module(name: str, global_scope_error: str) -> ModuleType:
    """Import the Worker's main module with the Python side of the global-scope rules."""

    def refuse(*_args: Any) -> bytes:
        raise OSError(errno.EIO, global_scope_error)

    saved = os.urandom, random._urandom  # type: ignore[attr-defined]
    os.urandom = refuse
    random._urandom = refuse  # type: ignore[attr-defined]
    try:
        return importlib.import_module(name)
    finally:
        os.urandom, random._urandom = saved  # type: ignore[attr-defined]


def before_first_request() -> None:
    """The runtime reseeds before the first request: a seed taken at import (CPython falls back
    to time and pid when getentropy fails) must not survive into requests."""
    random.seed()
