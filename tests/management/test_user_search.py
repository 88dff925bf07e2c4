"""Auth0 user-search v3 (Lucene subset): the compiler against SQLite, then `GET /users?q=` over HTTP."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeauth.admin.errors import AdminError
from edgeauth.admin.lucene import compile_query

PEOPLE = [
    ("jane", "jane@acme.test", "Jane Smith", "2026-01-05T10:00:00.000Z", {"plan": "gold", "seats": 5}),
    ("john", "john@other.test", "John Doe", "2026-03-01T00:00:00.000Z", {"plan": "silver", "trial": True}),
    ("bob", "bob_x@acme.test", "Bob", "2025-12-31T23:59:59.000Z", {}),
]


def column(field: str) -> str | None:
    if field in ("email", "name"):
        return f"{field} COLLATE NOCASE"
    if field == "created_at":
        return field
    if field.startswith("app_metadata."):
        return f"json_extract(app_metadata, '$.{field.removeprefix('app_metadata.')}')"
    return None


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE people (id, email, name, created_at, app_metadata)")
    for *row, metadata in PEOPLE:
        connection.execute("INSERT INTO people VALUES (?, ?, ?, ?, ?)", (*row, json.dumps(metadata)))
    yield connection
    connection.close()


def search(db: sqlite3.Connection, q: str) -> list[str]:
    sql, params = compile_query(q, column, default_fields=("email", "name"))
    rows = db.execute(f"SELECT id FROM people WHERE {sql}", params)  # noqa: S608 (compiled, parameterised)
    return sorted(row[0] for row in rows)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("email:jane@acme.test", ["jane"]),
        ('email:"JANE@acme.test"', ["jane"]),
        ('name:"jane smith"', ["jane"]),
        ("name:jo*", ["john"]),
        ("email:*acme.test", ["bob", "jane"]),
        ("email:bob_*", ["bob"]),
        ("email:bob\\_x*", ["bob"]),
        ("app_metadata.plan:gold OR app_metadata.plan:silver", ["jane", "john"]),
        ("app_metadata.plan:gold app_metadata.plan:silver", ["jane", "john"]),
        ("email:*acme.test AND NOT app_metadata.plan:gold", ["bob"]),
        ("NOT app_metadata.plan:gold", ["bob", "john"]),
        ("(name:jane* OR name:bob) AND email:*acme.test", ["bob", "jane"]),
        ('name:(bob OR "john doe")', ["bob", "john"]),
        ("app_metadata.seats:5", ["jane"]),
        ("app_metadata.seats:[1 TO 5]", ["jane"]),
        ("app_metadata.seats:{1 TO 5}", []),
        ("app_metadata.trial:true", ["john"]),
        ("created_at:[2026-01-01 TO 2026-01-05]", ["jane"]),
        ("created_at:[* TO 2026-01-01}", ["bob"]),
        ("created_at:{2026-01-05T10:00:00.000Z TO *]", ["john"]),
        ("_exists_:app_metadata.plan", ["jane", "john"]),
        ("app_metadata.plan:*", ["jane", "john"]),
        ("smith", ["jane"]),
        ("other.test OR bob", ["bob", "john"]),
    ],
)
def test_query_selects_the_right_rows(db: sqlite3.Connection, q: str, expected: list[str]) -> None:
    assert search(db, q) == expected


@pytest.mark.parametrize(
    "q",
    [
        "",
        "unknown:x",
        "email:",
        "(email:a",
        "email:a)",
        'name:"unterminated',
        "AND email:a",
        "email:a AND",
        "NOT",
        "email:*om",
        "created_at:[2026-01-01 2026-02-01]",
        "created_at:[2026-01-01 TO 2026-02-01",
        "created_at:[2026-01-01 TO 2026-02-31]",
        "(" * 100 + "email:a" + ")" * 100,
    ],
)
def test_malformed_query_is_auth0_400(q: str) -> None:
    with pytest.raises(AdminError) as raised:
        compile_query(q, column, default_fields=("email",))
    assert raised.value.status == 400 and raised.value.error_code == "invalid_query_string"


def test_bare_term_needs_default_fields() -> None:
    with pytest.raises(AdminError):
        compile_query("jane", column)


def test_values_are_parameters_never_sql(db: sqlite3.Connection) -> None:
    sql, params = compile_query('email:"x\' OR 1=1 --"', column)
    assert "1=1" not in sql and params[0] == "x' OR 1=1 --"
    assert search(db, 'email:"x\' OR 1=1 --"') == []


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab :"()[]{}*\\_%TOANDRNemail.x-', max_size=30))
def test_any_input_compiles_to_valid_sql_or_a_400(db: sqlite3.Connection, q: str) -> None:
    try:
        sql, params = compile_query(q, column, default_fields=("email",))
    except AdminError as error:
        assert error.status == 400
        return
    db.execute(f"SELECT id FROM people WHERE {sql}", params).fetchall()  # noqa: S608 (compiled, parameterised)
