"""allocator: propose multi-year integrated funding settlements for UK local and strategic authorities.

The Python API, for scripts and what-if comparisons::

    import allocator as al

    base = al.solve(al.load_scenario("scenarios/baseline.yaml"))
    tight = al.solve(base.scenario.with_overrides({"envelopes.resource.2027": 5.472e9}))
    diff = al.compare(base, tight, names=("baseline", "tight"))
    diff.by_area.sort_values("change_gbp").head()

    m = al.Model(base.scenario)            # a live model: re-solves from the last basis
    m.solve()
    what_if = m.resolve({"envelopes.resource.2027": 5.4e9})
"""

from allocator.compare import Comparison, compare
from allocator.engine import Model, solve
from allocator.errors import (
    AllocatorError,
    GeographyError,
    InfeasibleError,
    InputError,
    ScenarioError,
    SolverError,
)
from allocator.run_folder import read_run, write_run
from allocator.scenario import load_scenario
from allocator.schema import Scenario
from allocator.settlement import Settlement


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
    "SolverError",
    "compare",
    "load_geography",
    "load_scenario",
    "read_run",
    "solve",
    "write_run",
]
