"""JS <-> Python value conversion for the Cloudflare adapters: the one place it happens.

Values reach the adapters in three shapes (docs/workers-platform.md, "Converting values"):

* already converted by the SDK's binding wrappers (`python_from_rpc`): `JsDict` (a `dict`
  subclass with attribute access), lists, str/int/float/bool, `None` for JS `null`;
* raw `JsProxy` objects (plain JS objects, arrays, `ArrayBuffer`s) when a value was reached
  without a wrapper, and `jsnull` for JS `null` on Pyodide 0.28;
* plain Python, from our own code.

`to_python` turns all of them into the port's JSON-like Python; `to_rpc` prepares Python values
for the SDK's `python_to_rpc` (which rejects tuples and bytearrays); `sql_param` prepares one SQL
binding for D1 / Durable Object SQL; `remote_error` rebuilds a Python exception thrown across RPC.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import js
from pyodide.ffi import JsException, JsProxy

try:  # Pyodide >= 0.27 distinguishes JS null from undefined.
    from pyodide.ffi import jsnull
except ImportError:  # pragma: no cover - Pyodide 0.26 maps both to None
    jsnull = None

SqlValue: TypeAlias = str | int | float | JsProxy | None

_BUFFER_TYPES = frozenset(
    {
        "ArrayBuffer",
        "Uint8Array",
        "Uint8ClampedArray",
        "Int8Array",
        "DataView",
    }
)


def js_name(value: Any) -> str | None:
    """The JS constructor name of a JS value (how the SDK picks wrappers), else None."""
    constructor = getattr(value, "constructor", None)
    return getattr(constructor, "name", None) if constructor is not None else None


def _unwrap_sdk_wrapper(value: Any) -> Any:
    """The JS object inside an SDK `_BindingWrapper` (a JS class instance the SDK kept as is)."""
    return value.__dict__.get("_binding", value) if hasattr(value, "__dict__") else value


def is_null(value: Any) -> bool:
    """JS `null` or `undefined` (or Python None)."""
    return value is None or value is jsnull


def to_python(value: Any) -> Any:
    """Convert a JS or SDK value to plain JSON-like Python (dict, list, str, int, float, bool,
    None; bytes for binary data; datetime as the SDK gives it)."""
    if value is None or value is jsnull:
        return None
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(key): to_python(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_python(item) for item in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if not isinstance(value, JsProxy):
        inner = _unwrap_sdk_wrapper(value)
        if inner is value:
            return value  # datetime and other values the SDK already converted
        value = inner
    if js_name(value) in _BUFFER_TYPES:
        return value.to_bytes()
    converted = value.to_py()
    if isinstance(converted, JsProxy):
        raise TypeError(f"cannot convert a JS {js_name(value)} to JSON-like Python")
    return to_python(converted)


def to_rpc(value: Any) -> Any:
    """Prepare JSON-like Python for the SDK's `python_to_rpc`: tuples become lists, bytearray
    and memoryview become bytes, mapping keys become strings (RPC rejects tuple/bytearray)."""
    if value is None or isinstance(value, str | bool | int | float | bytes):
        return value
    if isinstance(value, Mapping):
        return {str(key): to_rpc(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_rpc(item) for item in value]
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def js_bytes(data: bytes | bytearray | memoryview) -> JsProxy:
    """A fresh JS `Uint8Array` holding a copy of `data` (never a view into Wasm memory)."""
    array = js.Uint8Array.new(len(data))
    array.assign(bytes(data))
    return array


def sql_param(value: Any) -> SqlValue:
    """One SQL binding for D1 / Durable Object SQL: bool as 0/1, bytes as an ArrayBuffer (BLOB),
    None as NULL (the SDK wrapper sends `jsnull`), str/int/float unchanged."""
    if value is None or isinstance(value, str | float):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return js_bytes(value).buffer
    raise TypeError(f"unsupported SQL parameter type: {type(value).__name__}")


def sql_params(params: Sequence[Any]) -> list[SqlValue]:
    """`sql_param` over a statement's parameters."""
    return [sql_param(value) for value in params]


_TRACEBACK_LAST_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?([A-Za-z_]\w*)(?::\s?(.*))?$", re.DOTALL)


def _builtin_exception(name: str, *, qualified: bool) -> type[Exception] | None:
    """The built-in `Exception` subclass called `name` (not a module-qualified one), if any."""
    candidate = None if qualified else getattr(builtins, name, None)
    if isinstance(candidate, type) and issubclass(candidate, Exception):
        return candidate
    return None


def remote_error(exc: JsException) -> Exception:
    """Rebuild the Python exception raised inside a Durable Object from the JS error that RPC
    delivered: a Pyodide `PythonError` whose message ends with the traceback's last line
    (`ValueError: ...`), possibly folded into a plain `Error` (SDK `utils._from_js_error`).
    Built-in exception types come back as themselves; anything else as RuntimeError
    (the port's contract, `edgeauth.ports.ObjectStub.call`)."""
    name = str(getattr(exc, "name", "") or "")
    message = str(getattr(exc, "message", "") or exc)
    if name == "PythonError" or message.startswith("PythonError") or "Traceback" in message:
        lines = [line for line in message.rstrip().splitlines() if line.strip()]
        last = lines[-1].strip() if lines else ""
        match = _TRACEBACK_LAST_LINE.match(last)
        if match:
            error_type = _builtin_exception(match.group(1), qualified="." in last.split(":", 1)[0])
            try:
                return error_type(match.group(2) or "") if error_type else RuntimeError(last)
            except TypeError:  # e.g. UnicodeDecodeError needs five arguments
                return RuntimeError(last)
        return RuntimeError(last or message)
    if name == "TypeError":
        return TypeError(message)
    if name == "RangeError":
        return ValueError(message)
    return RuntimeError(f"{name}: {message}" if name else message)
