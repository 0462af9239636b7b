"""The package's shape: no import cycle anywhere in allocator/, and no module over the size limit.

The import graph is read from the source (``ast``), so it sees every import: at module level and inside
functions (a lazy import may save start-up time, but it may not hide a cycle). Imports under
``if TYPE_CHECKING:`` are left out: they never run, and they exist so that an annotation can name a type
defined downstream (a rule kind's ``check`` names the settlement it reads).
"""

from __future__ import annotations

import ast
import itertools
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "allocator"
MAX_LINES = 400
"""The most lines a module of allocator/ may have (STYLE.md: split a module by concept past this)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    return {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }


def _target(name: str) -> str | None:
    """The module of the package that importing ``name`` runs (``allocator.rules.make_rule`` is
    ``allocator.rules``), or None outside the package."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports(module: str) -> dict[str, int]:
    """Modules of the package that ``module`` imports when it runs, each with the line of its first import."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: dict[str, int] = {}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            names = [f"{base}.{a.name}" for a in node.names]  # a submodule, or a name in ``base``
        for name in names:
            target = _target(name)
            if target is not None and target != module:
                out.setdefault(target, node.lineno)
    return out


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One import cycle of ``graph`` (the modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(m: str, path: list[str]) -> list[str] | None:
        state[m] = 1
        for n in sorted(graph.get(m, {})):
            if state.get(n) == 1:
                return [*path[path.index(n) :], n]
            if n not in state and (found := visit(n, [*path, n])):
                return found
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m, [m])):
            return found
    return None


def test_the_package_has_no_import_cycle() -> None:
    graph = {m: imports(m) for m in MODULES}
    cycle = find_cycle(graph)
    if cycle:
        steps = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in itertools.pairwise(cycle)]
        raise AssertionError("import cycle:\n  " + "\n  ".join(steps))
    assert sum(len(v) for v in graph.values()) > 200  # the walk saw the package's imports


def test_the_cycle_finder_sees_function_level_imports() -> None:
    a = {"x": {"y": 1}, "y": {"z": 3}, "z": {"x": 7}}
    assert find_cycle(a) == ["x", "y", "z", "x"]
    assert find_cycle({"x": {"y": 1}, "y": {}}) is None
    # the live model's lazy imports (geography loading) are in the graph
    assert "allocator.geography.load" in imports("allocator.live_model")


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in MODULES.items()}
    over = {m: n for m, n in sizes.items() if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines (split them by concept): {over}"
    assert len(sizes) > 80  # every module was measured


def reaches(module: str) -> set[str]:
    """Every module of the package that importing ``module`` runs, directly or through others."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        for n in imports(todo.pop()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def test_the_run_folder_imports_no_presenter() -> None:
    """run_folder knows tables, summary and manifest; run_outputs decides which presentations to write."""
    assert not {m for m in reaches("allocator.run_folder") if m.startswith("allocator.reports")}
    assert {"allocator.reports.excel", "allocator.reports.gpkg"} <= imports("allocator.run_outputs").keys()


def test_no_output_depends_on_the_synthetic_generator() -> None:
    """The synthetic geography is an input: no writer of a run's outputs takes anything from it (the date
    written into files lives in allocator.file_date)."""
    writers = [
        "allocator.run_outputs",
        "allocator.engine",
        *(m for m in MODULES if m.startswith("allocator.reports")),
    ]
    for writer in writers:
        assert not {m for m in reaches(writer) if m.startswith("allocator.geography.synthetic")}, writer
