"""A bounded Jinja2 sandbox for tenants' templates, of emails and of the Universal Login page
(tenant input: it must not burn the Worker's CPU or memory, nor stop delivery or a login).

Jinja2's `SandboxedEnvironment` stops attribute escapes, not resource abuse. On top of it:

- every `{% for %}` counts its iterations against one budget per render (`MAX_ITERATIONS`);
- `*`, `+`, `~` and `%` are bounded: a built string or list stays under `MAX_ITEMS`, `%` never
  formats a string, and `**` stays under `MAX_POWER_BITS`; no global (`range`, `namespace`…);
- only plain filters (no `center`, `indent`, `format`, `join`, `replace`, `wordwrap`…) and a few
  read-only methods may be called;
- the output is produced in chunks and refused beyond `MAX_OUTPUT` characters.

Anything over a bound raises `TemplateBudgetExceeded`; the caller falls back to the built-in email
or page.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_ITERATIONS = 10_000
MAX_ITEMS = 10_000
MAX_POWER_BITS = 256
MAX_OUTPUT = 256 * 1024
BUDGET_NAME = "edgeauth_loop_budget"
CONCAT_NAME = "edgeauth_concat"
SAFE_FILTERS = frozenset(
    {
        "abs",
        "capitalize",
        "count",
        "d",
        "default",
        "e",
        "escape",
        "first",
        "float",
        "int",
        "last",
        "length",
        "lower",
        "round",
        "string",
        "striptags",
        "title",
        "trim",
        "truncate",
        "upper",
        "urlencode",
    }
)
SAFE_METHODS = frozenset(
    {"lower", "upper", "title", "strip", "startswith", "endswith", "get", "items", "keys", "values"}
)


class TemplateBudgetExceeded(SecurityError):
    """The template needs more CPU or memory than a tenant's template may take."""


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _bounded_size(value: Any) -> Any:
    if _size(value) > MAX_ITEMS:
        raise TemplateBudgetExceeded("a value too large for a template")
    return value


class _Bounds(NodeTransformer):
    """Loops draw on the render's budget; `~` goes through a bounded join. Macros, `{% call %}` and
    recursive loops are refused (Liquid has none of them): a call can recurse, and a recursion with
    two calls a level doubles its work with every level, which no iteration count catches."""

    def visit_Macro(self, node: nodes.Macro) -> nodes.Node:
        raise TemplateSyntaxError("macros are not available in templates", node.lineno)

    def visit_CallBlock(self, node: nodes.CallBlock) -> nodes.Node:
        raise TemplateSyntaxError("{% call %} is not available in templates", node.lineno)

    def visit_For(self, node: nodes.For) -> nodes.For:
        if node.recursive:
            raise TemplateSyntaxError("recursive loops are not available in templates", node.lineno)
        node = cast(nodes.For, self.generic_visit(node))
        node.iter = nodes.Call(nodes.Name(BUDGET_NAME, "load"), [node.iter], [], None, None)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        node = cast(nodes.Concat, self.generic_visit(node))
        return nodes.Call(nodes.Name(CONCAT_NAME, "load"), list(node.nodes), [], None, None)


class BoundedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(autoescape=autoescape)
        self.filters = {name: f for name, f in self.filters.items() if name in SAFE_FILTERS}
        self.globals = {}

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "+":
            return _bounded_size(operator.add(left, right))
        if op == "%":
            if isinstance(left, str):
                raise TemplateBudgetExceeded("string formatting is not available in templates")
            return operator.mod(left, right)
        if op == "*":
            count = right if isinstance(left, str | list | tuple) else left
            if isinstance(count, int) and max(_size(left), _size(right)) * max(count, 0) > MAX_ITEMS:
                raise TemplateBudgetExceeded("a repetition too large for a template")
            return operator.mul(left, right)
        if isinstance(left, int) and isinstance(right, int):
            if right < 0 or right * max(abs(left).bit_length(), 1) > MAX_POWER_BITS:
                raise TemplateBudgetExceeded("a power too large for a template")
        return operator.pow(left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` / `format_map`: widths and fills can take any memory; not available."""
        if super().wrap_str_format(value) is None:
            return None

        def refused(*args: Any, **kwargs: Any) -> str:
            raise TemplateBudgetExceeded("string formatting is not available in templates")

        return refused

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if callable(value) and attr not in SAFE_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def bounded(self, source: str) -> Any:
        """The template with its loops and concatenations bounded (`_Bounds`)."""
        return self.from_string(_Bounds().visit(self.parse(source)))

    def join_bounded(self, *parts: Any) -> Any:
        """`a ~ b ~ c`, refused beyond `MAX_ITEMS` characters."""
        joined = markup_join(parts) if self.autoescape else str_join(parts)
        return _bounded_size(joined)


def _loop_budget() -> Callable[[Iterable[Any]], Iterator[Any]]:
    left = [MAX_ITERATIONS]

    def counted(iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            left[0] -= 1
            if left[0] < 0:
                raise TemplateBudgetExceeded("too many loop iterations for a template")
            yield item

    return counted


def render_bounded(environment: BoundedSandbox, source: str, context: dict[str, Any]) -> str:
    """Render a tenant's template within the bounds above (`TemplateBudgetExceeded` beyond)."""
    return render_compiled(environment, environment.bounded(source), context)


def render_compiled(environment: BoundedSandbox, template: Any, context: dict[str, Any]) -> str:
    """`render_bounded` for a template already compiled by `environment.bounded`."""
    chunks: list[str] = []
    size = 0
    bounds = {BUDGET_NAME: _loop_budget(), CONCAT_NAME: environment.join_bounded}
    for chunk in template.generate({**context, **bounds}):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise TemplateBudgetExceeded("the output is too large")
        chunks.append(chunk)
    return "".join(chunks)
