"""The Worker's main module (wrangler.toml `main = "build/entry.py"`, staged by tools/stage_bundle.py).

The runtime imports this module, then collects its public `WorkerEntrypoint` and `DurableObject`
subclasses by `__name__`: `Default` serves fetch / scheduled / queue, and every Durable Object
class is exported under its wrangler.toml `class_name`. Nothing else lives here; importing it
builds the app and the classes (snapshotted at upload) without entropy or I/O.
"""

from edgeauth.runtime.cloudflare.worker import DURABLE_OBJECT_CLASSES, Default

# [[durable_objects.bindings]] name = "USERS", class_name = "UserObject"
UserObject = DURABLE_OBJECT_CLASSES["UserObject"]

__all__ = ["Default", "UserObject"]
