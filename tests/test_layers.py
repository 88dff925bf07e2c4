"""The layers import one way (docs/architecture.md "Layers"): a module imports its own package, a
lower layer, or a sibling its layer allows. A back-edge fails here, in CI.

Read from the source with `ast` (what the modules say they import, at any depth in the file), so
an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Bottom to top. Each layer: its packages (a module belongs to the longest listed prefix) and
# whether its packages may import each other.
LAYERS: list[tuple[str, tuple[str, ...], bool]] = [
    (
        "foundation",
        ("edgeauth.ports", "edgeauth.config_store", "edgeauth.platform", "edgeauth.encoding", "edgeauth.ids"),
        True,
    ),
    (
        "domain",
        (
            "edgeauth.rows",
            "edgeauth.snapshots",
            "edgeauth.jose",
            "edgeauth.keys",
            "edgeauth.jwks_cache",
            "edgeauth.tokens",
            "edgeauth.tenancy",
            "edgeauth.users",
            "edgeauth.connections",
            "edgeauth.management_api",
            "edgeauth.permissions",
            "edgeauth.prompt_text",
            "edgeauth.rate_limits",
            "edgeauth.audit",
            "edgeauth.outbound",
            "edgeauth.redirect_urls",
            "edgeauth.templates",
            "edgeauth.locales",
            "edgeauth.brand_colors",
            "edgeauth.page_template",
            "edgeauth.mail",
            "edgeauth.mfa",
            "edgeauth.webauthn",
        ),
        True,
    ),
    ("storage", ("durable_objects", "queues"), False),
    ("web", ("edgeauth.http",), True),
    (
        "authentication api",
        (
            "edgeauth.oauth",
            "edgeauth.login",
            "edgeauth.passwordless",
            "edgeauth.database",
            "edgeauth.cross_origin",
            "edgeauth.upstream",
            "edgeauth.notifications",
            "edgeauth.mfa.api",
            "edgeauth.mfa.email_code",
            "edgeauth.mfa.log_events",
        ),
        True,
    ),
    # The configuration service: the CLI and the Management API, never the Authentication API.
    ("configuration", ("edgeauth.admin",), True),
    ("management api", ("edgeauth.management",), True),
    (
        "entry",
        (
            "edgeauth.app",
            "edgeauth.worker",
            "edgeauth.scheduled",
            "edgeauth.cli",
            "edgeauth.runtime",
            "edgeauth",
        ),
        True,
    ),
]
# The two API edges are siblings: neither imports the other (shared pieces live in the domain).
EDGES = ("authentication api", "management api")
PACKAGES = ("edgeauth", "durable_objects", "queues")


def package_of(module: str) -> tuple[int, str]:
    """(layer index, package) of a module of ours: the longest listed prefix."""
    best: tuple[int, str] | None = None
    for index, (_, packages, _) in enumerate(LAYERS):
        for package in packages:
            if (module == package or module.startswith(package + ".")) and (
                best is None or len(package) > len(best[1])
            ):
                best = (index, package)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS (docs/architecture.md)")
    return best


def modules() -> dict[str, Path]:
    found = {}
    for base, package in ((ROOT / "src", "edgeauth"), (ROOT, "durable_objects"), (ROOT, "queues")):
        for path in (base / package).rglob("*.py"):
            name = ".".join(path.relative_to(base).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The modules of ours `path` imports (`from a import b`: `a.b` when that is a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in known else node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n in known}


def back_edges(imports: dict[str, set[str]]) -> list[str]:
    """Every import that goes up, or sideways where the layer does not allow it."""
    wrong = []
    for module, targets in sorted(imports.items()):
        layer, package = package_of(module)
        for target in sorted(targets):
            target_layer, target_package = package_of(target)
            if target_package == package or target_layer < layer:
                continue
            if target_layer == layer and LAYERS[layer][2]:
                continue
            wrong.append(f"{module} ({LAYERS[layer][0]}) imports {target} ({LAYERS[target_layer][0]})")
    return wrong


def test_every_import_goes_down() -> None:
    found = modules()
    imports = {name: imports_of(path, set(found)) for name, path in found.items()}
    assert back_edges(imports) == []


def test_the_two_api_edges_do_not_import_each_other() -> None:
    found = modules()
    crossing = [
        f"{module} imports {target}"
        for module, path in found.items()
        for target in imports_of(path, set(found))
        if {LAYERS[package_of(module)[0]][0], LAYERS[package_of(target)[0]][0]} == set(EDGES)
    ]
    assert crossing == []


@pytest.mark.parametrize(
    ("module", "target"),
    [
        ("edgeauth.users.objects", "edgeauth.admin.users"),  # domain → configuration
        ("edgeauth.http.body", "edgeauth.oauth.grants.rules"),  # web → edge
        ("edgeauth.oauth.grants.password", "edgeauth.admin.connections"),  # edge → configuration
        ("edgeauth.oauth.user_tokens", "edgeauth.management.auth"),  # edge → other edge (layer above)
        ("durable_objects.user_object", "queues.user_sync"),  # storage siblings
    ],
)
def test_a_back_edge_fails(module: str, target: str) -> None:
    """The contract is not vacuous: each of these edges, added to the real imports, is reported."""
    found = modules()
    imports = {name: imports_of(path, set(found)) for name, path in found.items()}
    imports[module] = imports[module] | {target}
    assert back_edges(imports) == [
        f"{module} ({LAYERS[package_of(module)[0]][0]}) imports {target} ({LAYERS[package_of(target)[0]][0]})"
    ]
