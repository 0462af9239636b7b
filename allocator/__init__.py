"""allocator: propose multi-year integrated funding settlements for UK local and strategic authorities.

The Python API, for scripts and what-if comparisons::

    import allocator as al

    base = al.solve(al.load_scenario("scenarios/baseline.yaml"))
    tight = al.solve(base.scenario.with_overrides({"envelopes.resource.2027": 5.472e9}))
    diff = al.compare(base, tight, names=("baseline", "tight"))
    diff.by_area.sort_values("change_gbp").head()
"""

from importlib import import_module
from typing import Any

# Imported now, not on first use: the submodule allocator.compare would otherwise shadow the function.
from allocator.compare import Comparison, compare

_HOMES = {
    "AllocatorError": "allocator.errors",
    "GeographyError": "allocator.errors",
    "InfeasibleError": "allocator.errors",
    "InputError": "allocator.errors",
    "Scenario": "allocator.schema",
    "ScenarioError": "allocator.errors",
    "Settlement": "allocator.settlement",
    "SolverError": "allocator.errors",
    "load_scenario": "allocator.scenario",
    "read_run": "allocator.run_folder",
    "solve": "allocator.engine",
    "write_run": "allocator.run_folder",
}
"""Where each name of the API lives. They are imported on first use, so that the command line can
start (and answer Ctrl-C cleanly) before pandas, geopandas and the solver are loaded."""


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'allocator' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def load_geography(scenario: Any):
    """The scenario's geography (areas, adjacency, baseline, own resources) as plain tables."""
    from allocator.geography.load import load_geography as _load

    return _load(scenario)


__all__ = [
    "AllocatorError",
    "Comparison",
    "GeographyError",
    "InfeasibleError",
    "InputError",
    "Scenario",
    "ScenarioError",
    "Settlement",
    "SolverError",
    "compare",
    "load_geography",
    "load_scenario",
    "read_run",
    "solve",
    "write_run",
]
