"""WorkerConfig: wrangler.toml as the local runtime reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgeauth.runtime.local.config import QueueConsumer, WorkerConfig

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """
name = "mini"

[[kv_namespaces]]
binding = "CONFIG"
id = "x"

[[d1_databases]]
binding = "DB"
database_name = "mini"
database_id = "y"

[[queues.consumers]]
queue = "q"
"""


def test_the_projects_wrangler_toml() -> None:
    config = WorkerConfig.load(ROOT / "wrangler.toml")
    assert config.name == "edgeauth"
    assert config.durable_objects == {"USERS": "UserObject"}
    assert config.kv_namespaces == ("CONFIG",)
    assert config.d1.binding == "DB"
    assert config.migrations_dir == ROOT / "migrations"
    assert config.queue_producers == {"USER_EVENTS": "edgeauth-user-events"}
    assert config.queue_consumers == {
        "edgeauth-user-events": QueueConsumer(
            queue="edgeauth-user-events",
            max_batch_size=10,
            max_batch_timeout=5,
            max_retries=3,
            dead_letter_queue="edgeauth-user-events-dlq",
        )
    }
    assert config.crons == ("0 3 * * *",)
    assert config.vars["DEFAULT_TENANT"] == "default"


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text(MINIMAL)
    config = WorkerConfig.load(tmp_path / "wrangler.toml")
    assert config.migrations_dir == tmp_path / "migrations"
    assert config.queue_consumers["q"] == QueueConsumer(queue="q")  # Cloudflare's defaults
    assert QueueConsumer(queue="q").max_batch_size == 10
    assert config.crons == ()
    assert config.durable_objects == {}


def test_config_is_frozen(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text(MINIMAL)
    config = WorkerConfig.load(tmp_path / "wrangler.toml")
    with pytest.raises(AttributeError):
        config.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.vars["X"] = "y"  # type: ignore[index]
