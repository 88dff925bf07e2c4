"""The Worker's bindings as wrangler reads them from wrangler.toml (top level, no `[env.*]`)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class D1Binding:
    """`[[d1_databases]]`: binding, database name and its migrations folder (absolute)."""

    binding: str
    database_name: str
    migrations_dir: Path


@dataclass(frozen=True)
class QueueConsumer:
    """`[[queues.consumers]]` with Cloudflare's defaults for omitted settings."""

    queue: str
    max_batch_size: int = 10
    max_batch_timeout: float = 5.0
    max_retries: int = 3
    dead_letter_queue: str | None = None
    retry_delay: int = 0


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class WorkerConfig:
    """What the local runtime needs from wrangler.toml."""

    name: str
    durable_objects: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    """Durable Object binding name → class name."""
    kv_namespaces: tuple[str, ...] = ()
    """KV binding names."""
    d1_databases: tuple[D1Binding, ...] = ()
    queue_producers: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    """Producer binding name → queue name."""
    queue_consumers: Mapping[str, QueueConsumer] = field(default_factory=lambda: MappingProxyType({}))
    """Queue name → consumer settings."""
    crons: tuple[str, ...] = ()
    vars: Mapping[str, str] = field(default_factory=lambda: _frozen({}))

    @property
    def d1(self) -> D1Binding:
        """The one D1 database (edgeauth binds exactly one)."""
        if len(self.d1_databases) != 1:
            raise ValueError(f"expected one [[d1_databases]] entry, found {len(self.d1_databases)}")
        return self.d1_databases[0]

    @property
    def migrations_dir(self) -> Path:
        """The D1 database's `migrations_dir`, resolved against wrangler.toml's folder."""
        return self.d1.migrations_dir

    @classmethod
    def load(cls, path: Path) -> WorkerConfig:
        """Parse wrangler.toml; relative paths resolve against its folder, as wrangler does."""
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        return cls.from_dict(data, root=path.resolve().parent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, root: Path) -> WorkerConfig:
        """Build from already-parsed TOML."""
        durable = data.get("durable_objects", {}).get("bindings", [])
        queues = data.get("queues", {})
        return cls(
            name=str(data.get("name", "worker")),
            durable_objects=_frozen({b["name"]: b["class_name"] for b in durable}),
            kv_namespaces=tuple(kv["binding"] for kv in data.get("kv_namespaces", [])),
            d1_databases=tuple(
                D1Binding(
                    binding=db["binding"],
                    database_name=db.get("database_name", db["binding"]),
                    migrations_dir=root / db.get("migrations_dir", "migrations"),
                )
                for db in data.get("d1_databases", [])
            ),
            queue_producers=_frozen({p["binding"]: p["queue"] for p in queues.get("producers", [])}),
            queue_consumers=MappingProxyType({c["queue"]: _consumer(c) for c in queues.get("consumers", [])}),
            crons=tuple(data.get("triggers", {}).get("crons", [])),
            vars=_frozen({key: str(value) for key, value in data.get("vars", {}).items()}),
        )


def _consumer(entry: Mapping[str, Any]) -> QueueConsumer:
    defaults = QueueConsumer(queue=entry["queue"])
    return QueueConsumer(
        queue=entry["queue"],
        max_batch_size=int(entry.get("max_batch_size", defaults.max_batch_size)),
        max_batch_timeout=float(entry.get("max_batch_timeout", defaults.max_batch_timeout)),
        max_retries=int(entry.get("max_retries", defaults.max_retries)),
        dead_letter_queue=entry.get("dead_letter_queue"),
        retry_delay=int(entry.get("retry_delay", defaults.retry_delay)),
    )
