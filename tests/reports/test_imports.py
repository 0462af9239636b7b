"""The reports and the rule kinds import one way: no cycle among their modules (imports inside functions
count too; imports only for type checking do not), and no rule kind imports a report."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "allocator"
SCOPE = ("allocator.reports", "allocator.rules")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules of the allocator package that ``path`` imports, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("allocator")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("allocator"):
            # "from allocator.reports import words" imports the module allocator.reports.words
            for a in node.names:
                candidate = f"{node.module}.{a.name}"
                out.add(
                    candidate
                    if (PACKAGE.parent / (candidate.replace(".", "/") + ".py")).is_file()
                    else node.module
                )
    return out


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    inside = {m for m in modules if m.startswith(SCOPE)}
    return {m: {i for i in _imports(modules[m]) if i in inside and i != m} for m in inside}


def test_no_import_cycle_among_the_reports_and_the_rule_kinds() -> None:
    graph = _graph()
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(m: str, path: list[str]) -> None:
        seen[m] = 1
        for n in sorted(graph[m]):
            if seen.get(n) == 1:
                cycle = [*path[path.index(n) :], n]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if n not in seen:
                visit(n, [*path, n])
        seen[m] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m, [m])
    assert len(graph) > 20  # the walk saw the modules


def test_rule_kinds_do_not_import_reports() -> None:
    graph = _graph()
    for m, deps in graph.items():
        if m.startswith("allocator.rules"):
            assert not [d for d in deps if d.startswith("allocator.reports")], m


def test_import_allocator_loads_names_when_used() -> None:
    """``import allocator`` does not load pandas or the solver; every public name still resolves, and
    ``allocator.compare`` stays the function even once its submodule has been imported."""
    code = (
        "import sys, allocator; heavy = [m for m in ('pandas', 'pulp', 'geopandas') if m in sys.modules]; "
        "import allocator.compare; assert callable(allocator.compare), 'compare is the module'; "
        "[getattr(allocator, n) for n in allocator.__all__]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
