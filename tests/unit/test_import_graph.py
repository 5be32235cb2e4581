"""Issue #20: no import circle inside any package, at any depth, and the layers kept.

A circle is two modules of one package each importing the other, directly or through a chain; imports made inside
functions (deferred) count, those under ``if TYPE_CHECKING:`` do not (they never run). A circle is broken by moving
the shared piece down into a module both can import, by passing a callback instead of importing upward, or by
moving a function to the module that owns its data (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest
from importlinter import cli as import_linter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("portfolio", exclude_type_checking_imports=True)


def package_of(graph: grimp.ImportGraph, first: str, second: str) -> str:
    """The innermost package holding both modules (a package's own ``__init__`` is inside it)."""
    common = []
    for a, b in zip(first.split("."), second.split("."), strict=False):
        if a != b:
            break
        common.append(a)
    package = ".".join(common)
    while package not in graph.modules or not graph.find_children(package):  # (a module, not a package)
        package = package.rpartition(".")[0]
    return package


def circles(graph: grimp.ImportGraph) -> dict[str, set[tuple[str, str]]]:
    """Package -> the pairs of its modules that import each other (one importing the other directly, the other
    importing it back directly or through a chain)."""
    found: dict[str, set[tuple[str, str]]] = {}
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported != importer and graph.chain_exists(importer=imported, imported=importer):
                pair = tuple(sorted((importer, imported)))
                found.setdefault(package_of(graph, importer, imported), set()).add((pair[0], pair[1]))
    return found


def test_no_package_has_an_import_circle(graph: grimp.ImportGraph) -> None:
    found = circles(graph)
    lines = [f"{package}: {first} <-> {second}  ({_loop(graph, first, second)})"
             for package, pairs in sorted(found.items()) for first, second in sorted(pairs)]
    assert not found, "import circles (break each one: see this module's docstring):\n" + "\n".join(lines)


def _loop(graph: grimp.ImportGraph, first: str, second: str) -> str:
    """The circle itself: first -> ... -> second -> ... -> first, by the shortest chains."""
    there = graph.find_shortest_chain(importer=first, imported=second) or (first, second)
    back = graph.find_shortest_chain(importer=second, imported=first) or (second, first)
    return " -> ".join((*there, *back[1:]))


def test_the_scan_sees_a_circle_in_a_subpackage() -> None:
    """The check itself: a circle two levels down (as portfolio.exchange.sub would have) is named, with its
    innermost package."""
    graph = grimp.ImportGraph()
    for module in ("portfolio", "portfolio.exchange", "portfolio.exchange.sub", "portfolio.exchange.sub.a",
                   "portfolio.exchange.sub.b", "portfolio.exchange.sub.c", "portfolio.exchange.other"):
        graph.add_module(module)
    graph.add_import(importer="portfolio.exchange.sub.a", imported="portfolio.exchange.sub.b")
    graph.add_import(importer="portfolio.exchange.sub.b", imported="portfolio.exchange.sub.c")
    graph.add_import(importer="portfolio.exchange.sub.c", imported="portfolio.exchange.sub.a")  # (deferred, say)
    graph.add_import(importer="portfolio.exchange.other", imported="portfolio.exchange.sub.a")  # one way: fine
    assert circles(graph) == {"portfolio.exchange.sub": {("portfolio.exchange.sub.a", "portfolio.exchange.sub.b"),
                                                         ("portfolio.exchange.sub.b", "portfolio.exchange.sub.c"),
                                                         ("portfolio.exchange.sub.a", "portfolio.exchange.sub.c")}}


def test_the_layers_and_the_forbidden_imports_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    """pyproject.toml's import-linter contracts (launcher -> ui | cli -> exchange -> services -> db -> domain, no Qt
    in the core, no SQL in the window), as `make lint` runs them."""
    kept = import_linter.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert kept == 0, capsys.readouterr().out
