"""Solve the LP with HiGHS (default) or CBC through PuLP; normalise the status; read values and duals.

PuLP does not raise on an infeasible problem, and its HiGHS interface reports a time limit as "optimal"
with a feasible-only solution, so the status is read from the solver itself and mapped to a small enum.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
import pulp

from allocator.model.build import ModelBuilder
from allocator.schema import SolverSpec


class Status(StrEnum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


@dataclass
class SolveReport:
    status: Status
    objective: float | None
    solver: str
    solver_version: str
    algorithm: str
    seconds: float
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "objective": self.objective,
            "solver": self.solver,
            "solver_version": self.solver_version,
            "algorithm": self.algorithm,
        }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


@contextlib.contextmanager
def _quiet_stdout():
    """Silence C-level stdout (HiGHS prints a banner when its object is created, whatever the options)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class _HiGHS(pulp.HiGHS):
    """PuLP's in-process HiGHS, without the banner when ``msg`` is off."""

    def createAndConfigureSolver(self, lp):
        if self.msg:
            return super().createAndConfigureSolver(lp)
        with _quiet_stdout():
            return super().createAndConfigureSolver(lp)


def _highs_status(m: ModelBuilder) -> Status:
    import highspy

    s = m.prob.solverModel.getModelStatus()
    ms = highspy.HighsModelStatus
    if s == ms.kOptimal:
        return Status.OPTIMAL
    if s in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return Status.INFEASIBLE
    if s == ms.kUnbounded:
        return Status.UNBOUNDED
    if s in (ms.kTimeLimit, ms.kIterationLimit, ms.kInterrupt):
        return Status.TIME_LIMIT
    return Status.ERROR


def solve_model(m: ModelBuilder, spec: SolverSpec) -> SolveReport:
    """Solve with the scenario's solver options; never raises for a solver outcome (see ``status``).

    HiGHS's presolve can, rarely, declare a feasible LP infeasible; an infeasible verdict is therefore
    confirmed by a second solve without presolve before it is reported.
    """
    report = _solve_once(m, spec, presolve=True)
    if report.status == Status.INFEASIBLE and spec.name == "highs":
        again = _solve_once(m, spec, presolve=False)
        again.seconds += report.seconds
        return again
    return report


def _solve_once(m: ModelBuilder, spec: SolverSpec, presolve: bool) -> SolveReport:
    t0 = time.perf_counter()
    if spec.name == "highs":
        options = {"presolve": "on", **spec.options} if presolve else {**spec.options, "presolve": "off"}
        solver = _HiGHS(
            msg=spec.msg,
            timeLimit=spec.time_limit_s,
            threads=spec.threads,
            gapRel=spec.gap_rel,
            solver=spec.algorithm,
            random_seed=spec.seed,
            **options,
        )
        version = _version("highspy")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(msg=spec.msg, timeLimit=spec.time_limit_s, threads=spec.threads)
        version = "bundled with PuLP " + _version("pulp")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            m.prob.solve(solver)
    except pulp.PulpSolverError as exc:
        return SolveReport(
            Status.ERROR, None, spec.name, version, spec.algorithm, time.perf_counter() - t0, str(exc)
        )
    seconds = time.perf_counter() - t0
    if spec.name == "highs":
        status = _highs_status(m)
    else:
        status = {1: Status.OPTIMAL, -1: Status.INFEASIBLE, -2: Status.UNBOUNDED}.get(
            m.prob.status, Status.ERROR
        )
        if status == Status.OPTIMAL and m.prob.sol_status != pulp.LpSolutionOptimal:
            status = Status.TIME_LIMIT
    objective = (
        pulp.value(m.prob.objective) * getattr(m, "objective_norm", 1.0) if status == Status.OPTIMAL else None
    )
    return SolveReport(status, objective, spec.name, version, spec.algorithm, seconds)


def allocation_array(m: ModelBuilder) -> np.ndarray:
    """x[a, t, s] from the solved y values (A x T x S)."""
    ix = m.y_index
    values = m.scale * np.array([v.varValue or 0.0 for v in m.y_vars], dtype=float)
    x = np.zeros((len(m.codes), len(m.years), len(m.streams)))
    np.add.at(x, (ix["area"], ix["year"], ix["stream"]), values)
    return np.maximum(x, 0.0)


def row_table(m: ModelBuilder) -> pd.DataFrame:
    """One row per rule constraint: what it belongs to, its dual (value per £ of rhs), slack and breach.

    ``dual`` is d(objective)/d(rhs) of the maximised objective, per £ (rows are in model units, so the
    solver's dual is divided by the model's scale); ``slack_gbp`` is how far the row is from its bound and
    ``breach_gbp`` the soft or elastic slack used, both in £.
    """
    maximise = m.prob.sense == pulp.LpMaximize
    records = []
    for name, rec in m.rows.items():
        c = rec.constraint
        pi = c.pi if c.pi is not None else 0.0
        # HiGHS solves the minimisation of -objective when maximising: flip back to the objective's sign.
        dual = (
            -pi if maximise and m.prob.solver is not None and "HiGHS" in type(m.prob.solver).__name__ else pi
        )
        breach = m.scale * sum((s.varValue or 0.0) for s in rec.slack)
        records.append(
            {
                "constraint": name,
                "rule_id": rec.rule_id,
                "kind": rec.kind,
                "area_code": rec.area_code,
                "year": rec.year,
                "stream": rec.stream,
                "budget": rec.budget,
                "sense": rec.sense,
                "dual": float(dual) * getattr(m, "objective_norm", 1.0) / m.scale,
                "slack_gbp": m.scale * float(c.slack) if c.slack is not None else 0.0,
                "breach_gbp": float(breach),
            }
        )
    return pd.DataFrame.from_records(
        records,
        columns=[
            "constraint",
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
        ],
    )
