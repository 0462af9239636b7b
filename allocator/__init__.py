"""allocator: propose multi-year integrated funding settlements for UK local and strategic authorities.

The Python API, for scripts and what-if comparisons::

    import allocator as al

    base = al.solve(al.load_scenario("scenarios/baseline.yaml"))
    tight = al.solve(base.scenario.with_overrides({"envelopes.resource.2027": 49.83e9}))
    diff = al.compare(base, tight, names=("baseline", "tight"))
    diff.by_area.sort_values("change_gbp").head()

    m = al.Model(base.scenario)            # a live model: re-solves from the last basis
    m.solve()
    what_if = m.resolve({"envelopes.resource.2027": 49.0e9})

    runs = al.sweep(base.scenario, {"rules.funding_guarantee.phi": "0.95:1.0:6"})   # a SettlementSet
    runs.summary()[["rules.funding_guarantee.phi", "V", "V_formula"]]

Names are imported when first used (PEP 562), so ``import allocator`` and ``allocator --help`` stay fast:
the solver, pandas and the geography stack load only when a name that needs them is asked for. The one
exception is ``compare``, imported at once: a name that is also a submodule's would otherwise be replaced
by the submodule as soon as anything imports ``allocator.compare``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from allocator.compare import Comparison, compare

_WHERE = {
    "AllocatorError": "allocator.errors",
    "GeographyError": "allocator.errors",
    "InfeasibleError": "allocator.errors",
    "InputError": "allocator.errors",
    "ScenarioError": "allocator.errors",
    "SolverError": "allocator.errors",
    "Model": "allocator.engine",
    "solve": "allocator.engine",
    "read_run": "allocator.run_folder",
    "write_run": "allocator.run_outputs",
    "load_scenario": "allocator.scenario",
    "Scenario": "allocator.schema",
    "Settlement": "allocator.settlement",
    "SettlementSet": "allocator.whatif.settlement_set",
    "sweep": "allocator.whatif.sweep",
}
"""Each public name and the module that defines it."""

if TYPE_CHECKING:
    from allocator.engine import Model, solve
    from allocator.errors import (
        AllocatorError,
        GeographyError,
        InfeasibleError,
        InputError,
        ScenarioError,
        SolverError,
    )
    from allocator.run_folder import read_run
    from allocator.run_outputs import write_run
    from allocator.scenario import load_scenario
    from allocator.schema import Scenario
    from allocator.settlement import Settlement
    from allocator.whatif.settlement_set import SettlementSet
    from allocator.whatif.sweep import sweep


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'allocator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE, "load_geography"])


def load_geography(scenario: Scenario):
    """The scenario's geography (areas, adjacency, baseline, own resources) as plain tables."""
    from allocator.geography.load import load_geography as _load

    return _load(scenario)


__all__ = [
    "AllocatorError",
    "Comparison",
    "GeographyError",
    "InfeasibleError",
    "InputError",
    "Model",
    "Scenario",
    "ScenarioError",
    "Settlement",
    "SettlementSet",
    "SolverError",
    "compare",
    "load_geography",
    "load_scenario",
    "read_run",
    "solve",
    "sweep",
    "write_run",
]
