"""No rule kind imports a report (the package-wide import rules are in tests/test_structure.py), and
``import allocator`` stays light."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT
from tests.test_structure import MODULES, imports


def test_rule_kinds_do_not_import_reports() -> None:
    for module in MODULES:
        if module.startswith("allocator.rules"):
            assert not [d for d in imports(module) if d.startswith("allocator.reports")], module


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


def test_allocator_help_loads_no_table_or_solver_library() -> None:
    """``allocator --help`` (and every usage error) answers without pandas, numpy or the solver."""
    code = (
        "import sys\nsys.argv = ['allocator', '--help']\nimport allocator.__main__ as m\n"
        "try:\n    m.main()\nexcept SystemExit:\n    pass\n"
        "print([n for n in ('pandas', 'numpy', 'pulp', 'geopandas', 'highspy') if n in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]"
