"""The architecture is checked, not described: the layers contract and the absence of import cycles.

The contract lives in ``pyproject.toml`` (``[tool.importlinter]``): the layers from ``symact.core`` up to
``symact.cli``, and the few documented upward imports it tolerates. grimp (import-linter's graph) sees every
import statement, those inside functions included, so an import moved into a function to dodge a cycle
still counts. Imports under ``if TYPE_CHECKING:`` never run and are left out, as the contract says.
"""

from __future__ import annotations

import pathlib
import sys

import pytest

grimp = pytest.importorskip("grimp", reason="the layer checks need import-linter (pip install -e '.[test]')")
importlinter_cli = pytest.importorskip("importlinter.cli", reason="the layer checks need import-linter")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml on Python 3.10 needs tomli")

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
(LAYERS,) = [c for c in CONFIG["contracts"] if c["type"] == "layers"]
EXEMPT = [tuple(s.strip() for s in rule.split("->")) for rule in LAYERS.get("ignore_imports", [])]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(
        *CONFIG["root_packages"], exclude_type_checking_imports=CONFIG.get("exclude_type_checking_imports", False)
    )


def test_the_layers_contract_holds(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert importlinter_cli.lint_imports(no_cache=True) == 0  # the report is printed on failure


def test_at_most_three_documented_exemptions():
    assert len(EXEMPT) <= 3
    text = (ROOT / "pyproject.toml").read_text()
    for importer, imported in EXEMPT:
        line = next(i for i, ln in enumerate(text.splitlines()) if f'"{importer} -> {imported}"' in ln)
        assert text.splitlines()[line - 1].strip().startswith("#"), f"{importer} -> {imported} has no reason"


def test_every_exemption_is_used(graph):
    for importer, imported in EXEMPT:
        assert graph.direct_import_exists(importer=importer, imported=imported), (importer, imported)


def _cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    for importer, imported in EXEMPT:
        edges[importer].discard(imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_no_import_cycle_outside_the_exemptions(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle(graph):
    graph.add_import(importer="symact.core.errors", imported="symact.core.budget")
    try:
        assert ["symact.core.budget", "symact.core.errors"] in _cycles(graph)
    finally:
        graph.remove_import(importer="symact.core.errors", imported="symact.core.budget")


def test_symact_imports_proofs_only_in_the_cli_and_the_report(graph):
    importers = {
        m
        for p in graph.find_children("proofs") | {"proofs"}
        for m in graph.find_modules_that_directly_import(p)
        if m.split(".")[0] == "symact"
    }
    assert all(m == "symact.cli" or m.startswith("symact.report.") for m in importers), sorted(importers)


def test_the_library_never_imports_its_own_facade(graph):
    allowed = {importer for importer, imported in EXEMPT if imported == "symact"} | {"symact.__main__"}
    importers = set(graph.find_modules_that_directly_import("symact")) - allowed
    assert importers == set(), sorted(importers)
