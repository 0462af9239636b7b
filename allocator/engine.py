"""Solve a scenario: geography -> inputs -> model -> solve (the scenario's objective) -> the formula
allocation -> the verified settlement (built once by ``allocator.results``). Infeasible scenarios get the
elastic diagnosis (InfeasibleError, exit 3); solver trouble and the time limit raise SolverError (exit 4).

The scenario's LP is held by a live :class:`~allocator.live_model.Model`, which re-solves what-ifs warm;
a ``least_cost`` scenario is solved by ``allocator.whatif.least_cost`` (a search over the envelopes).
"""

from __future__ import annotations

from allocator.errors import SolverError
from allocator.geography import Geography
from allocator.lean_solve import LeanSolve, Snapshot
from allocator.live_model import Model
from allocator.model.build import build_model
from allocator.model.solve import Deadline
from allocator.progress import Progress
from allocator.schema import Scenario
from allocator.settlement import Settlement


def solve(
    scenario: Scenario, geography: Geography | None = None, progress: Progress | None = None
) -> Settlement:
    """Solve a scenario and return its verified settlement.

    Raises:
        InputError: bad geography or data (exit 2).
        InfeasibleError: no allocation meets every hard rule; carries the elastic diagnosis (exit 3).
        SolverError: the solver failed or the run's time limit (``solver.time_limit_s``, for the whole
            run) passed (exit 4).
    """
    if scenario.objective.mode == "least_cost":
        from allocator.whatif.least_cost import solve_least_cost

        return solve_least_cost(scenario, geography, progress)
    return Model(scenario, geography, progress, Deadline(scenario.solver.time_limit_s)).solve()


__all__ = [
    "LeanSolve",
    "Model",
    "Snapshot",
    "SolverError",
    "build_model",
    "solve",
]  # build_model: defined in model.build
