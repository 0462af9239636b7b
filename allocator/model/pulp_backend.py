"""The PuLP emitter: the same assembled LP as PuLP objects, for CBC, for LP and MPS files, and for the
golden LP tests. It reads the arrays the HiGHS emitter reads, so the two cannot disagree.

PuLP does not raise on an infeasible problem, and its HiGHS interface reports a time limit as "optimal"
with a feasible-only solution, so the status is read from the solver itself where it can be.
"""

from __future__ import annotations

import time
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np
import pulp

from allocator.model.assembly import LP
from allocator.model.highs_backend import Solution, quiet_stdout, status_of
from allocator.schema import SolverSpec

_NEW = object.__new__
SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}


def fast_variable(name: str, low: float, up: float | None) -> pulp.LpVariable:
    """A continuous PuLP variable, made without PuLP's per-call name translation and checks.

    ``name`` must already be safe and the bounds finite or None. At 100,000 variables PuLP's constructor
    is the largest single cost of the emission; this sets the same attributes directly (PuLP is pinned
    below 4; tests/test_model_build.py checks the attributes against PuLP's own).
    """
    v = _NEW(pulp.LpVariable)
    v.__dict__.update(
        _LpElement__name=name,
        hash=id(v),
        modified=True,
        _lowbound_original=low,
        lowBound=low,
        _upbound_original=up,
        upBound=up,
        cat=pulp.LpContinuous,
        varValue=None,
        dj=None,
    )
    return v


def _bound(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)


def _sense(lo: float, hi: float) -> tuple[int, float]:
    if lo == hi:
        return pulp.LpConstraintEQ, lo
    if not np.isfinite(hi):
        return (pulp.LpConstraintGE, lo) if np.isfinite(lo) else (pulp.LpConstraintLE, 1e30)
    if np.isfinite(lo):
        raise ValueError("a row with two different finite bounds has no PuLP form")
    return pulp.LpConstraintLE, hi


def to_pulp(
    lp: LP, cost: np.ndarray, name: str = "settlement"
) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[pulp.LpConstraint]]:
    """A PuLP problem (maximised) with one variable per column and one constraint per row."""
    prob = pulp.LpProblem(name, pulp.LpMaximize)
    lo, hi = lp.col_lower.tolist(), lp.col_upper.tolist()
    variables = [
        fast_variable(n, _bound(a), _bound(b)) for n, a, b in zip(lp.col_names(), lo, hi, strict=True)
    ]
    start, index, value = lp.start.tolist(), lp.index.tolist(), lp.value.tolist()
    constraints = []
    for r, (row_name, rlo, rhi) in enumerate(
        zip(lp.row_names(), lp.row_lower.tolist(), lp.row_upper.tolist(), strict=True)
    ):
        a, b = start[r], start[r + 1]
        expr = pulp.LpAffineExpression({variables[c]: v for c, v in zip(index[a:b], value[a:b], strict=True)})
        sense, rhs = _sense(rlo, rhi)
        c = pulp.LpConstraint(e=expr, sense=sense, rhs=rhs, name=row_name)
        if row_name in prob._constraints:
            raise ValueError(f"duplicate constraint name {row_name}")
        prob._constraints[row_name] = c
        prob.modifiedConstraints.append(c)
        constraints.append(c)
    nz = np.nonzero(cost)[0].tolist()
    prob.setObjective(pulp.LpAffineExpression({variables[i]: float(cost[i]) for i in nz}))
    # PuLP finds a problem's variables through its rows and objective; give it every column
    prob._variables = list(variables)
    prob._variable_ids = {v.hash: v for v in variables}
    return prob, variables, constraints


def write_lp(lp: LP, cost: np.ndarray, path: str | Path) -> None:
    """Write the LP (CPLEX LP format; ``.mps`` for MPS) through PuLP."""
    prob, _, _ = to_pulp(lp, cost)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if str(path).endswith(".mps"):
            prob.writeMPS(str(path))
        else:
            prob.writeLP(str(path))


class _HiGHS(pulp.HiGHS):
    """PuLP's in-process HiGHS, without the banner when ``msg`` is off."""

    def createAndConfigureSolver(self, lp):
        if self.msg:
            return super().createAndConfigureSolver(lp)
        with quiet_stdout():
            return super().createAndConfigureSolver(lp)


def solve_pulp(lp: LP, cost: np.ndarray, spec: SolverSpec, time_limit_s: float) -> Solution:
    """Emit the LP through PuLP and solve it with CBC (``solver.name: cbc``) or PuLP's HiGHS interface
    (``solver.via: pulp``); values and duals come back in the assembly's order."""
    t0 = time.perf_counter()
    prob, variables, constraints = to_pulp(lp, cost)
    if spec.name == "highs":
        solver = _HiGHS(
            msg=spec.msg,
            timeLimit=time_limit_s,
            threads=spec.threads,
            solver=spec.algorithm,
            random_seed=spec.seed,
            **spec.options,
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(msg=spec.msg, timeLimit=time_limit_s, threads=spec.threads)
    build = time.perf_counter() - t0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            prob.solve(solver)
    except pulp.PulpSolverError as exc:
        return Solution("error", None, None, None, time.perf_counter() - t0, message=str(exc))
    seconds = time.perf_counter() - t0
    if spec.name == "highs":
        status = status_of(prob.solverModel)
    else:
        status = {1: "optimal", -1: "infeasible", -2: "unbounded"}.get(prob.status, "error")
        if status == "optimal" and prob.sol_status != pulp.LpSolutionOptimal:
            status = "time_limit"
    if status != "optimal":
        return Solution(status, None, None, None, seconds)
    x = np.array([v.varValue or 0.0 for v in variables], dtype=float)
    pi = np.array([c.pi if c.pi is not None else 0.0 for c in constraints], dtype=float)
    # PuLP's HiGHS interface minimises the negated objective: flip its duals back to the maximised sign
    dual = -pi if spec.name == "highs" else pi
    return Solution(status, x, dual, float(cost @ x), seconds, extra={"emit_s": build})


def solver_version(spec: SolverSpec) -> str:
    if spec.name == "highs":
        return _version("highspy")
    return "bundled with PuLP " + _version("pulp")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"
