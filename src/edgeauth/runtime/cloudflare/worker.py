"""The classes the Workers runtime looks for, built from the runtime-neutral `edgeauth.worker`.

* `Default(WorkerEntrypoint)`: `fetch` runs the Starlette app through a lean ASGI bridge
  (`edgeauth.runtime.cloudflare.asgi`), with the request's `Platform` in
  `scope["edgeauth.platform"]`;
  `scheduled` and `queue` call the neutral handlers.
* `DURABLE_OBJECT_CLASSES`: for each class hosted in `edgeauth.worker.DURABLE_OBJECTS`, a
  `workers.DurableObject` subclass of the same `__name__` whose RPC methods (exactly
  `RPC_METHODS`) and `alarm` forward to an instance of the hosted class.

The main module (`src/entry.py`) re-exports these under the class names of wrangler.toml; the
runtime collects them from its namespace by `__name__` (workerd `introspection.py`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from workers import DurableObject, WorkerEntrypoint

from edgeauth import worker as core
from edgeauth.http.context import PLATFORM_SCOPE_KEY
from edgeauth.runtime.cloudflare import asgi
from edgeauth.runtime.cloudflare.bindings import DurableObjectState, queue_batch
from edgeauth.runtime.cloudflare.convert import to_python, to_rpc
from edgeauth.runtime.cloudflare.platform import platform_from_env

# Names the runtime treats specially on a Durable Object, or that would shadow our own state.
_RESERVED_METHOD_NAMES = frozenset(
    {
        "fetch",
        "connect",
        "alarm",
        "webSocketMessage",
        "webSocketClose",
        "webSocketError",
        "then",
        "dup",
        "ctx",
        "env",
    }
)


def _field(event: Any, name: str) -> Any:
    """An attribute of a runtime event object (JsProxy, or a dict after `python_from_rpc`)."""
    if isinstance(event, Mapping):
        return event[name]
    return getattr(event, name)


class Default(WorkerEntrypoint):
    """The Worker's default entrypoint: HTTP, cron trigger and queue consumer."""

    async def fetch(self, request: Any) -> Any:
        """HTTP (called relaxed with a `workers.Request`): the app's JS `Response`, with the
        Worker's env and this request's `Platform` in the scope."""
        extra = {"env": self.env, PLATFORM_SCOPE_KEY: platform_from_env(self.env)}
        return await asgi.fetch(core.app, request.js_object, extra)

    async def scheduled(self, controller: Any, env: Any = None, ctx: Any = None) -> None:
        """Cron trigger: the runtime passes (controller, env, ctx), env already through `to_py`,
        so the wrapped `self.env` is used instead (docs/workers-platform.md, "How the runtime finds the
        Worker")."""
        cron = str(_field(controller, "cron"))
        scheduled_time_ms = int(_field(controller, "scheduledTime"))
        await core.scheduled(platform_from_env(self.env), cron, scheduled_time_ms)

    async def queue(self, batch: Any, env: Any = None, ctx: Any = None) -> None:
        """Queue consumer: `batch` is the SDK-wrapped `MessageBatch`; an exception escaping here
        retries every message not explicitly acked."""
        queue_name, messages = queue_batch(batch)
        await core.queue(platform_from_env(self.env), queue_name, messages)


def _rpc_forwarder(class_name: str, method: str) -> Callable[..., Any]:
    """A plain public function `method(self, *args)` forwarding to the hosted instance."""

    async def forward(self: Any, *args: Any) -> Any:
        result = getattr(self._hosted, method)(*(to_python(arg) for arg in args))
        if inspect.isawaitable(result):
            result = await result
        return to_rpc(result)

    forward.__name__ = method
    forward.__qualname__ = f"{class_name}.{method}"
    forward.__doc__ = f"RPC: forwards to the hosted {class_name}.{method}."
    return forward


def durable_object_class(hosted: type) -> type[DurableObject]:
    """A `workers.DurableObject` subclass named like `hosted` that builds `hosted(state, env)`
    with the adapted `ctx` / `Platform` and exposes exactly `hosted.RPC_METHODS` plus `alarm`."""
    class_name = hosted.__name__
    methods = tuple(getattr(hosted, "RPC_METHODS", ()))
    for method in methods:
        if not method.isidentifier() or method.startswith("_") or method in _RESERVED_METHOD_NAMES:
            raise ValueError(f"{class_name}.RPC_METHODS: {method!r} cannot be an RPC method")
        if not callable(getattr(hosted, method, None)):
            raise ValueError(f"{class_name}.RPC_METHODS: {class_name} has no method {method!r}")

    def __init__(self: Any, ctx: Any, env: Any) -> None:
        # The SDK's __init_subclass__ wraps this: ctx arrives as DurableObjectContext and env
        # as _EnvWrapper. Constructors run synchronously, once per activation of the object.
        self.ctx = ctx
        self.env = env
        self._hosted = hosted(DurableObjectState(ctx), platform_from_env(env))

    async def alarm(self: Any, alarm_info: Any = None) -> None:
        """Alarm handler (called relaxed with the JS alarmInfo): `await hosted.alarm()`; an
        exception makes Workers retry the alarm with backoff."""
        result = self._hosted.alarm()
        if inspect.isawaitable(result):
            await result

    namespace: dict[str, Any] = {
        "__init__": __init__,
        "__module__": __name__,
        "__qualname__": class_name,
        "__doc__": f"Durable Object hosting {hosted.__module__}.{class_name} on Workers.",
        "RPC_METHODS": methods,
    }
    if callable(getattr(hosted, "alarm", None)):
        # Only then: setAlarm() throws on Workers when the class has no alarm() handler.
        namespace["alarm"] = alarm
    for method in methods:
        namespace[method] = _rpc_forwarder(class_name, method)
    __init__.__qualname__ = f"{class_name}.__init__"
    alarm.__qualname__ = f"{class_name}.alarm"
    return type(class_name, (DurableObject,), namespace)


DURABLE_OBJECT_CLASSES: dict[str, type[DurableObject]] = {
    hosted.__name__: durable_object_class(hosted) for hosted in core.DURABLE_OBJECTS.values()
}
"""Class name (wrangler.toml `class_name`) -> the Durable Object class the runtime hosts."""
