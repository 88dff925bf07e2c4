"""How the Workers runtime finds and calls the Python classes of the main module (edge host only).

Written after workerd's `introspection.py` (docs/workers-platform.md, "How the runtime finds the Worker"),
which the runtime loads
after the main module:

* `collect_entrypoint_classes(module)`: the public names of the module (or `__all__`) bound to
  subclasses of `WorkerEntrypoint` / `DurableObject`, each with its RPC-callable methods (public
  plain functions on the class, not static or class methods).
* `invoke(relaxed, instance, method, *js_args)`: every handler and RPC call goes through this:
  arguments through `python_from_rpc`, the result through `python_to_rpc`. `relaxed` (fetch,
  alarm) drops arguments the method does not accept; everything else (`scheduled`, `queue`,
  RPC methods) is called with exactly what the caller sent.
"""

from __future__ import annotations

import inspect
from types import FunctionType, ModuleType
from typing import Any

import js
from pyodide.code import relaxed_call
from pyodide.ffi import to_js
from workers import DurableObject, WorkerEntrypoint, python_from_rpc, python_to_rpc


def _class_attribute(cls: type, name: str) -> Any:
    """The attribute as stored on the class or a base, without running descriptors."""
    for base in cls.__mro__:
        if name in base.__dict__:
            return base.__dict__[name]
    return None


def rpc_methods(cls: type) -> list[str]:
    return sorted(
        name
        for name in dir(cls)
        if not name.startswith("_") and isinstance(_class_attribute(cls, name), FunctionType)
    )


def _exported_classes(module: ModuleType, base: type) -> list[dict[str, Any]]:
    names = (
        module.__all__ if hasattr(module, "__all__") else [n for n in dir(module) if not n.startswith("_")]
    )
    found = []
    for name in names:
        value = getattr(module, name)
        if inspect.isclass(value) and issubclass(value, base) and value is not base:
            found.append({"className": value.__name__, "methodNames": rpc_methods(value)})
    return found


def collect_entrypoint_classes(module: ModuleType) -> Any:
    """`{durableObjects: [...], workerEntrypoints: [...]}` as a JS object."""
    classes = {
        "durableObjects": _exported_classes(module, DurableObject),
        "workerEntrypoints": _exported_classes(module, WorkerEntrypoint),
    }
    return to_js(classes, dict_converter=js.Object.fromEntries)


async def invoke(relaxed: bool, instance: Any, method: str, *js_args: Any) -> Any:
    bound = getattr(instance, method)
    args = [python_from_rpc(arg) for arg in js_args]
    result = relaxed_call(bound, *args) if relaxed else bound(*args)
    if inspect.isawaitable(result):
        result = await result
    return python_to_rpc(result)


async def invoke_new(cls: type, ctx: Any, env: Any, relaxed: bool, method: str, *js_args: Any) -> Any:
    """A `WorkerEntrypoint` is instantiated per event: `cls(ctx, env)`, then `invoke`."""
    return await invoke(relaxed, cls(ctx, env), method, *js_args)
