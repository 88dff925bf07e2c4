"""Auth0's user-search v3 subset of Lucene, compiled to a parameterised SQLite (D1) boolean expression.

Supported (https://auth0.com/docs/manage-users/user-search/user-search-query-syntax): `field:value`,
quoted phrases, `AND` / `OR` / `NOT` (upper case) and parentheses, `field:(a OR b)`, wildcards `*`
(a leading `*` needs at least 3 literal characters, as in Auth0), ranges `[a TO b]` / `{a TO b}` with
`*` for an open end, `_exists_:field`, and bare terms matched against caller-chosen default fields.
Adjacent clauses without an operator are OR-ed (Lucene's default operator). Every leaf compiles to
0 or 1 (never NULL), so `NOT` also matches rows that lack the field, as in Lucene.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from typing import Any

from edgeauth.admin.errors import AdminError

Column = Callable[[str], str | None]

MAX_QUERY_LENGTH = 4096
MAX_DEPTH = 32
MIN_SUFFIX_LITERAL = 3  # Auth0: "For suffix matching, literals must have 3 characters or more"
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(?=:)")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"-?\d{1,18}")
_NUMBER = re.compile(r"-?\d+\.\d+")
_WILDCARD = re.compile(r"(?<!\\)\*")
_TERM_END = frozenset(" \t\r\n()")
_KEYWORDS = ("AND", "OR", "NOT")
_EXISTS = "_exists_"


def invalid_query(reason: str) -> AdminError:
    """Auth0's 400 for a `q` it cannot parse."""
    return AdminError(400, f"Invalid query string: {reason}", "invalid_query_string")


def compile_query(q: str, column: Column, default_fields: Sequence[str] = ()) -> tuple[str, list[Any]]:
    """`q` → (SQL boolean expression, parameters); `column(field)` maps a field to SQL or None (400)."""
    if len(q) > MAX_QUERY_LENGTH:
        raise invalid_query(f"longer than {MAX_QUERY_LENGTH} characters")
    if not q.strip():
        raise invalid_query("empty query")
    return _Parser(q, column, tuple(default_fields)).parse()


def like_pattern(value: str) -> str:
    """A literal string escaped for `LIKE ... ESCAPE '\\'`."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _literals(value: str) -> list[Any]:
    """A term's candidate SQL values: the text, plus its number or boolean form (JSON metadata)."""
    candidates: list[Any] = [value]
    if _INTEGER.fullmatch(value):
        candidates.append(int(value))
    elif _NUMBER.fullmatch(value):
        candidates.append(float(value))
    elif value in ("true", "false"):
        candidates.append(int(value == "true"))
    return candidates


def _bound(value: str) -> Any:
    """A range end: numbers compare as numbers, everything else (ISO dates) as text."""
    if _INTEGER.fullmatch(value):
        return int(value)
    if _NUMBER.fullmatch(value):
        return float(value)
    return value


def _next_day(value: str) -> str:
    return (datetime.date.fromisoformat(value) + datetime.timedelta(days=1)).isoformat()


class _Parser:
    """Recursive descent over the raw string: OR < AND < NOT < clause."""

    def __init__(self, q: str, column: Column, default_fields: tuple[str, ...]) -> None:
        self.q = q
        self.pos = 0
        self.depth = 0
        self.column = column
        self.default_fields = default_fields
        self.params: list[Any] = []

    def parse(self) -> tuple[str, list[Any]]:
        sql = self._or(None)
        self._skip_space()
        if self.pos < len(self.q):
            raise invalid_query(f"unexpected '{self.q[self.pos]}' at position {self.pos}")
        return sql, self.params

    # --- lexing helpers

    def _skip_space(self) -> None:
        while self.pos < len(self.q) and self.q[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        self._skip_space()
        return self.q[self.pos] if self.pos < len(self.q) else ""

    def _keyword(self, word: str) -> bool:
        """Consume an upper-case operator followed by a space or a parenthesis."""
        self._skip_space()
        end = self.pos + len(word)
        if self.q.startswith(word, self.pos) and (end == len(self.q) or self.q[end] in _TERM_END):
            self.pos = end
            return True
        return False

    def _at_keyword(self) -> bool:
        start = self.pos
        found = any(self._keyword(word) for word in _KEYWORDS)
        self.pos = start
        return found

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise invalid_query(f"expected '{char}' at position {self.pos}")
        self.pos += 1

    def _word(self) -> tuple[str, bool]:
        """An unquoted term up to a space or parenthesis; (text, has an unescaped `*`)."""
        chars: list[str] = []
        wildcard = False
        while self.pos < len(self.q) and self.q[self.pos] not in _TERM_END:
            char = self.q[self.pos]
            if char == "\\" and self.pos + 1 < len(self.q):
                self.pos += 1
                char = self.q[self.pos]
                chars.append("\\" + char if char == "*" else char)
            else:
                wildcard = wildcard or char == "*"
                chars.append(char)
            self.pos += 1
        if not chars:
            raise invalid_query(f"expected a term at position {self.pos}")
        return "".join(chars), wildcard

    def _phrase(self) -> str:
        self.pos += 1  # the opening quote
        chars: list[str] = []
        while self.pos < len(self.q) and self.q[self.pos] != '"':
            if self.q[self.pos] == "\\" and self.pos + 1 < len(self.q):
                self.pos += 1
            chars.append(self.q[self.pos])
            self.pos += 1
        if self.pos >= len(self.q):
            raise invalid_query("unterminated quoted phrase")
        self.pos += 1
        return "".join(chars)

    def _range_end(self, stops: str) -> str:
        self._skip_space()
        start = self.pos
        if self._peek() == '"':
            return self._phrase()
        while self.pos < len(self.q) and not self.q[self.pos].isspace() and self.q[self.pos] not in stops:
            self.pos += 1
        if start == self.pos:
            raise invalid_query(f"expected a range bound at position {self.pos}")
        return self.q[start : self.pos]

    # --- grammar

    def _nested(self, parse: Callable[[str | None], str], field: str | None) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise invalid_query("too deeply nested")
        try:
            return parse(field)
        finally:
            self.depth -= 1

    def _or(self, field: str | None) -> str:
        parts = [self._and(field)]
        while self._peek() not in ("", ")"):
            self._keyword("OR")
            parts.append(self._and(field))
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def _and(self, field: str | None) -> str:
        parts = [self._not(field)]
        while self._keyword("AND"):
            parts.append(self._not(field))
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def _not(self, field: str | None) -> str:
        if self._keyword("NOT"):
            return f"(NOT {self._nested(self._not, field)})"
        return self._clause(field)

    def _clause(self, field: str | None) -> str:
        char = self._peek()
        if char == "(":
            self.pos += 1
            sql = self._nested(self._or, field)
            self._expect(")")
            return sql
        if not char or char == ")" or self._at_keyword():
            raise invalid_query(f"expected a term at position {self.pos}")
        if field is None and (match := _FIELD.match(self.q, self.pos)):
            self.pos = match.end() + 1
            return self._field_clause(match.group())
        return self._value(field)

    def _field_clause(self, field: str) -> str:
        if field == _EXISTS:
            name, _ = self._word()
            return f"({self._sql(name)} IS NOT NULL)"
        if self.pos < len(self.q) and self.q[self.pos] == "(":
            return self._clause(field)
        if self.pos >= len(self.q) or self.q[self.pos].isspace():
            raise invalid_query(f"missing value for field '{field}'")
        return self._value(field)

    def _value(self, field: str | None) -> str:
        char = self.q[self.pos]
        if char == '"':
            return self._match(field, self._phrase())
        if char in "[{" and field is not None:
            return self._range(field)
        word, wildcard = self._word()
        if word == "*" and field is not None:
            return f"({self._sql(field)} IS NOT NULL)"
        if field is None:
            return self._bare(word)
        if wildcard:
            return self._wildcard(self._sql(field), word)
        return self._match(field, word.replace("\\*", "*"))

    # --- leaves

    def _sql(self, field: str) -> str:
        sql = self.column(field)
        if sql is None:
            raise invalid_query(f"unknown field '{field}'")
        return sql

    def _match(self, field: str | None, value: str) -> str:
        if field is None:
            return self._bare(value.replace("*", "\\*"))
        candidates = _literals(value)
        self.params.extend(candidates)
        marks = ", ".join("?" for _ in candidates)
        return f"coalesce({self._sql(field)} IN ({marks}), 0)"

    def _wildcard(self, sql: str, word: str) -> str:
        """Auth0: a leading `*` (suffix match) needs a literal of at least 3 characters."""
        if word.startswith("*") and len(word.replace("\\*", "*").replace("*", "")) < MIN_SUFFIX_LITERAL:
            raise invalid_query(f"a leading wildcard needs at least {MIN_SUFFIX_LITERAL} characters")
        return self._like(sql, word)

    def _like(self, sql: str, word: str) -> str:
        """`*` (unescaped) matches any run of characters; the rest is literal."""
        pieces = _WILDCARD.split(word)
        self.params.append("%".join(like_pattern(piece.replace("\\*", "*")) for piece in pieces))
        return f"coalesce({sql} LIKE ? ESCAPE '\\', 0)"

    def _bare(self, word: str) -> str:
        """A term without a field: contained in any of the caller's default fields."""
        if not self.default_fields:
            raise invalid_query("a term needs a field name")
        leaves = [self._like(self._sql(name), f"*{word}*") for name in self.default_fields]
        return "(" + " OR ".join(leaves) + ")"

    def _range(self, field: str) -> str:
        inclusive_low = self.q[self.pos] == "["
        self.pos += 1
        low = self._range_end("]}")
        if not self._keyword("TO"):
            raise invalid_query(f"expected 'TO' at position {self.pos}")
        high = self._range_end("]}")
        closing = self._peek()
        if closing not in ("]", "}"):
            raise invalid_query(f"unterminated range at position {self.pos}")
        self.pos += 1
        sql = self._sql(field)
        tests = []
        if low != "*":
            tests.append(f"{sql} {'>=' if inclusive_low else '>'} ?")
            self.params.append(_bound(low))
        if high != "*":
            tests.append(self._upper(sql, high, inclusive=closing == "]"))
        return "coalesce(" + (" AND ".join(tests) or f"{sql} IS NOT NULL") + ", 0)"

    def _upper(self, sql: str, high: str, *, inclusive: bool) -> str:
        """An inclusive date-only upper bound covers that whole day of ISO timestamps."""
        if inclusive and _DATE_ONLY.fullmatch(high):
            try:
                self.params.append(_next_day(high))
            except ValueError as exc:
                raise invalid_query(f"invalid date '{high}'") from exc
            return f"{sql} < ?"
        self.params.append(_bound(high))
        return f"{sql} {'<=' if inclusive else '<'} ?"
