"""SqliteD1: D1 statements, atomic batches, wrangler-style migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edgeauth.runtime.local.d1 import SqliteD1, split_statements


@pytest.fixture
def db(tmp_path: Path) -> SqliteD1:
    return SqliteD1(tmp_path / "d1.sqlite")


def write_migrations(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(sql)
    return folder


async def test_all_first_run(db: SqliteD1) -> None:
    await db.run("CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, logins INTEGER)")
    assert await db.run("INSERT INTO users VALUES (?, ?, ?)", "u1", "a@x.test", 0) == 1
    await db.run("INSERT INTO users VALUES (?, ?, ?)", "u2", None, 3)
    assert await db.all("SELECT * FROM users ORDER BY id") == [
        {"id": "u1", "email": "a@x.test", "logins": 0},
        {"id": "u2", "email": None, "logins": 3},
    ]
    assert await db.first("SELECT email FROM users WHERE id = ?", "u1") == {"email": "a@x.test"}
    assert await db.first("SELECT email FROM users WHERE id = ?", "nope") is None
    assert await db.run("UPDATE users SET logins = logins + 1") == 2


async def test_batch_is_atomic(db: SqliteD1) -> None:
    await db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    await db.batch([("INSERT INTO t VALUES (?, ?)", [1, "a"]), ("INSERT INTO t VALUES (?, ?)", [2, "b"])])
    with pytest.raises(sqlite3.IntegrityError):
        await db.batch(
            [
                ("UPDATE t SET v = ? WHERE id = ?", ["changed", 1]),
                ("INSERT INTO t VALUES (?, ?)", [3, "c"]),
                ("INSERT INTO t VALUES (?, ?)", [2, "duplicate key"]),
            ]
        )
    assert await db.all("SELECT * FROM t ORDER BY id") == [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]
    # the connection is usable afterwards (no transaction left open)
    assert await db.run("INSERT INTO t VALUES (?, ?)", 3, "c") == 1


async def test_foreign_keys_are_enforced_as_on_d1(db: SqliteD1) -> None:
    await db.run("CREATE TABLE parent (id TEXT PRIMARY KEY)")
    await db.run("CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent (id))")
    with pytest.raises(sqlite3.IntegrityError):
        await db.run("INSERT INTO child VALUES ('c', 'missing')")


async def test_migrations_apply_in_order_once(tmp_path: Path, db: SqliteD1) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        {
            "0002_add_email.sql": "ALTER TABLE users ADD COLUMN email TEXT;\n-- trailing comment",
            "0001_init.sql": "CREATE TABLE users (id TEXT PRIMARY KEY);\nINSERT INTO users VALUES ('a;b');",
            "0010_index.sql": "CREATE INDEX users_email ON users (email);",
        },
    )
    assert db.apply_migrations(folder) == ["0001_init.sql", "0002_add_email.sql", "0010_index.sql"]
    assert db.apply_migrations(folder) == []
    rows = await db.all("SELECT id, name, applied_at FROM d1_migrations ORDER BY id")
    assert [(row["id"], row["name"]) for row in rows] == [
        (1, "0001_init.sql"),
        (2, "0002_add_email.sql"),
        (3, "0010_index.sql"),
    ]
    assert all(row["applied_at"] for row in rows)
    assert await db.all("SELECT * FROM users") == [{"id": "a;b", "email": None}]

    write_migrations(folder, {"0011_more.sql": "CREATE TABLE more (x);"})
    reopened = SqliteD1(tmp_path / "d1.sqlite")
    assert reopened.apply_migrations(folder) == ["0011_more.sql"]


async def test_failing_migration_leaves_no_trace(tmp_path: Path, db: SqliteD1) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        {
            "0001_init.sql": "CREATE TABLE a (x);",
            "0002_broken.sql": "CREATE TABLE b (x);\nINSERT INTO nowhere VALUES (1);",
        },
    )
    with pytest.raises(sqlite3.OperationalError):
        db.apply_migrations(folder)
    names = [row["name"] for row in await db.all("SELECT name FROM d1_migrations")]
    assert names == ["0001_init.sql"]
    assert await db.first("SELECT name FROM sqlite_master WHERE name = 'b'") is None

    (folder / "0002_broken.sql").write_text("CREATE TABLE b (x);")
    assert db.apply_migrations(folder) == ["0002_broken.sql"]


def test_split_statements_keeps_trigger_bodies_whole() -> None:
    script = """
    CREATE TABLE a (x TEXT); -- one
    CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = ';'; END;
    INSERT INTO a VALUES ('x');
    """
    statements = split_statements(script)
    assert len(statements) == 3
    assert statements[1].endswith("END;")
