"""Solve an assembled LP with the scenario's solver; normalise the status; read rows' duals and slacks.

HiGHS (the default) gets the matrix directly (``highs_backend``); CBC, and HiGHS with
``solver.interface: pulp``, get it through PuLP (``pulp_backend``). A large LP (``solver.method``) is
solved by area instead (``decompose``). All return a ``Solution`` in the assembly's order, so
everything after the solve is the same whichever ran.

Every solve of a run shares one time budget, ``solver.time_limit_s`` (a :class:`Deadline`): the
scenario's own solve, the formula's, and the elastic diagnosis's each get what is left of it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from allocator.errors import SolverError
from allocator.model.assembly import LP
from allocator.model.build import ModelBuilder
from allocator.model.highs_backend import HighsModel, Solution
from allocator.model.objective import Objective
from allocator.model.pulp_backend import solve_pulp, solver_version
from allocator.schema import SolverSpec

if TYPE_CHECKING:
    from allocator.model.decompose import ByArea


class Status(StrEnum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


class Deadline:
    """The run's time budget: every solve (and the steps between) gets what is left of it."""

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self.end = time.perf_counter() + self.seconds

    def remaining(self) -> float:
        return self.end - time.perf_counter()

    def check(self, doing: str) -> None:
        """Raise the time-limit error if the budget is spent."""
        if self.remaining() <= 0:
            raise SolverError(time_limit_message(self.seconds, doing))


def time_limit_message(seconds: float, doing: str) -> str:
    return (
        f"the run stopped at its time limit ({seconds:g} s) while {doing}, without a proven optimum; "
        "raise solver.time_limit_s or try solver.algorithm=ipm"
    )


@dataclass
class SolveReport:
    status: Status
    objective: float | None
    solver: str
    solver_version: str
    algorithm: str
    seconds: float
    message: str = ""
    iterations: int = 0

    def as_dict(self) -> dict[str, str | float | None]:
        return {
            "status": self.status.value,
            "objective": self.objective,
            "solver": self.solver,
            "solver_version": self.solver_version,
            "algorithm": self.algorithm,
        }


def uses_highspy(spec: SolverSpec) -> bool:
    return spec.name == "highs" and spec.interface == "highspy"


def decomposes(lp: LP, spec: SolverSpec) -> bool:
    """Whether ``lp`` is solved by area: ``solver.method``, and for ``auto`` the number of areas."""
    from allocator.model.decompose import AUTO_AREAS, area_count

    if spec.method == "auto":
        return uses_highspy(spec) and area_count(lp) >= AUTO_AREAS
    return spec.method == "decomposed"


def live_model(lp: LP, cost: np.ndarray, spec: SolverSpec) -> HighsModel | None:
    """The live HiGHS model an LP is solved in and re-solved from (None where there is none: another
    solver or interface, or an LP solved by area)."""
    if not uses_highspy(spec) or decomposes(lp, spec):
        return None
    return HighsModel(lp, cost, spec)


@contextlib.contextmanager
def kept_model(lp: LP, cost: np.ndarray, spec: SolverSpec) -> Iterator[HighsModel | ByArea | None]:
    """The model an LP and its re-solves (other costs, other row bounds) share: a live HiGHS model, or
    by area its areas' problems, started once and stopped on leaving (None for another solver)."""
    if uses_highspy(spec) and decomposes(lp, spec):
        from allocator.model.decompose import ByArea

        with ByArea(lp, cost, spec) as by_area:
            yield by_area
    else:
        yield live_model(lp, cost, spec)


def solve_lp(
    lp: LP,
    obj: Objective,
    spec: SolverSpec,
    deadline: Deadline,
    live: HighsModel | ByArea | None = None,
    warm: bool = False,
    meanwhile: Callable[[], object] | None = None,
    prices: np.ndarray | None = None,
    sample: bool = False,
) -> tuple[SolveReport, Solution]:
    """Solve ``lp`` under ``obj``; never raises for a solver outcome (see the report's status).

    With a live model (HiGHS through highspy) it is solved in place, ``warm`` from its last basis; by
    area, with a :class:`ByArea` (``kept_model``), from its areas' last bases.
    ``meanwhile`` (work that uses no solver) runs while HiGHS solves in its own thread, or first where
    the solve runs in this one. ``prices`` (the row duals of a solve of an LP of the same rows) start a
    solve by area, which keeps no live model: a what-if then needs about half the rounds; without them,
    ``sample`` starts it from a sample of the areas (the scenario's own LP).
    HiGHS's presolve can, rarely, declare a feasible LP infeasible; an infeasible verdict is therefore
    confirmed by a second solve without presolve before it is reported.
    """
    by_area = decomposes(lp, spec)
    if meanwhile is not None and (by_area or not uses_highspy(spec)):
        meanwhile()  # this solve runs in this thread: the other work goes first
        meanwhile = None
    if by_area:
        from allocator.model.decompose import ByArea, solve_decomposed

        usable = prices if prices is not None and len(prices) == lp.n_rows else None
        if isinstance(live, ByArea):
            sol = live.solve(deadline.remaining(), usable, sample)
        else:
            sol = solve_decomposed(lp, obj.cost, spec, deadline.remaining(), usable, sample)
    elif uses_highspy(spec):
        live = live or HighsModel(lp, obj.cost, spec)
        sol = live.solve(deadline.remaining(), warm=warm, meanwhile=meanwhile)
        if sol.status == "infeasible":
            again = live.solve(deadline.remaining(), presolve=False)
            sol = dataclasses.replace(again, seconds=again.seconds + sol.seconds)
    else:
        sol = solve_pulp(lp, obj.cost, spec, max(deadline.remaining(), 1e-3))
    objective = sol.objective * obj.norm if sol.objective is not None else None
    report = SolveReport(
        Status(sol.status),
        objective,
        spec.name,
        solver_version(spec),
        "decomposed" if "decomposition" in sol.extra else spec.algorithm,
        sol.seconds,
        sol.message,
        sol.iterations,
    )
    return report, sol


def row_table(m: ModelBuilder, sol: Solution | None, norm: float) -> pd.DataFrame:
    """One row per rule row: what it belongs to, its dual (objective per £ of rhs), slack and breach.

    ``dual`` is d(objective)/d(rhs) of the maximised objective, per £ (rows are in model units, so the
    solver's dual is divided by the model's scale); NaN without a solve (a formula computed directly).
    ``slack_gbp`` is how far the row is from its bound and ``breach_gbp`` the soft or elastic slack used,
    both in £. ``x`` may be given instead of a solution through ``sol.x``.
    """
    blocks = m.rule_blocks()
    columns = [
        "rule_id",
        "kind",
        "area_code",
        "year",
        "stream",
        "budget",
        "sense",
        "dual",
        "slack_gbp",
        "breach_gbp",
    ]
    if not blocks:
        return pd.DataFrame(columns=columns)
    x = sol.x
    activity = m.asm.activity(x)
    parts = []
    codes = np.array([*m.codes, None], dtype=object)
    for b in blocks:
        rows = np.arange(b.start, b.start + b.n)
        act = activity[rows]
        slack = b.rhs - act if b.sense == "<=" else act - b.rhs
        breach = x[b.slack].sum(axis=1) if b.slack is not None else np.zeros(b.n)
        dual = sol.dual[rows] * norm / m.scale if sol.dual is not None else np.full(b.n, np.nan)
        area = b.area if b.area is not None else np.full(b.n, -1)
        parts.append(
            pd.DataFrame(
                {
                    "rule_id": b.name,
                    "kind": b.kind,
                    "area_code": codes[area],
                    "year": _years(b.year, b.n),
                    "stream": b.stream if b.stream is not None else None,
                    "budget": b.budget if b.budget is not None else None,
                    "sense": b.sense,
                    "dual": dual,
                    "slack_gbp": m.scale * slack,
                    "breach_gbp": m.scale * breach,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[columns]


def _years(year: np.ndarray | None, n: int) -> pd.arrays.IntegerArray:
    if year is None:
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    return pd.arrays.IntegerArray(np.maximum(year, 0).astype(np.int64), year < 0)


def raise_for(report: SolveReport, what: str, seconds_allowed: float) -> None:
    """The error for a solve that did not reach an optimum (infeasibility is handled by the caller)."""
    if report.status == Status.TIME_LIMIT:
        raise SolverError(time_limit_message(seconds_allowed, what))
    raise SolverError(f"the solver failed while {what} ({report.status.value}). {report.message}".strip())


def solution_from_values(x: np.ndarray) -> Solution:
    """A solution made of column values alone (no duals): for allocations computed without a solve."""
    return Solution("optimal", x, None, None, 0.0)
