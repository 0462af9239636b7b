"""The formula allocation by LP, for scenarios whose rules hold it away from the relaxed formula ``R``.

Year by year (``allocator/model/formula.py`` states the definition), each year an LP over that year's
columns, the earlier years fixed at their allocation (``Assembly.restrict``):

1. the objective is the year's distance ``sum_(a,b) |X - Phi|`` (``dev`` columns) plus the penalties of
   the year's soft rows. Its optimum is ``D``;
2. a row caps that at ``D`` (to rounding) and the objective becomes the year's weighted move
   ``sum_(a,s) c_(a,s) |x - R| / (R + eps)`` from ``R`` (``move`` columns; ``R`` for the year given the
   earlier years, or the phased targets split by the national shares where ``R`` cannot be computed);
   ``c`` is a factor between 1 and 1.01 fixed by the area and stream, so that no two moves cost the same:
   the weighted move then has one optimum, which every LP algorithm finds.

Later years' rows are left out, which is exact whenever every year then finds an allocation (the
allocation of least distance is then also one the later years can complete). If a year has none, the
whole sequence is solved again with the later years' rows in every year's LP (a look-ahead), as the
definition asks. Every solve gets what is left of the run's time budget.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from allocator.model.assembly import LP
from allocator.model.build import ModelBuilder
from allocator.model.formula import FormulaAllocation, relaxed_formula, split_streams
from allocator.model.formula_rows import RuleRows
from allocator.model.highs_backend import HighsModel, Solution
from allocator.model.linear import Terms, stack
from allocator.model.objective import Objective, add_deviations
from allocator.model.solve import Deadline, Status, kept_model, raise_for, row_table, solve_lp, uses_highspy
from allocator.schema import SolverSpec

WHAT = "solving the formula allocation"
PRIMAL = 4
"""HiGHS's ``simplex_strategy`` for primal simplex."""


@dataclass
class _Formula:
    """The formula's LP with its distance, move and cap columns and rows, and each column's year."""

    m: ModelBuilder
    rows: RuleRows
    dev: np.ndarray  # A x T x B x 2
    moves: np.ndarray  # n_x x 2
    move_rows: np.ndarray
    cap_rows: np.ndarray  # one per year
    col_t: np.ndarray
    row_year: np.ndarray
    slack: np.ndarray
    multiple: np.ndarray


Bases = dict[tuple[int, bool, int], tuple[object, tuple[int, int]]]
"""The basis each year's LPs ended at, with the shape it fits, by (year, look-ahead, stage): a sweep's
next variant starts there."""


class _NoAllocation(Exception):
    """A year had no allocation given the earlier years (look ahead then)."""


class NoFormulaAllocation(Exception):
    """No allocation meets every hard rule: the scenario is infeasible (the caller diagnoses it)."""


def _add_moves(m: ModelBuilder) -> tuple[np.ndarray, np.ndarray]:
    """``x - move_up + move_down = R`` per (area, year, stream) (rows ``def_move``, rhs set per year)."""
    n = len(m.y_cols)
    ix = m.y_index
    parts = (m.code(ix["area"]), m.year(ix["year"]), np.array(m.streams, dtype=object)[ix["stream"]])
    up = m.asm.add_columns("move_up", 0.0, math.inf, n=n, parts=parts, area=ix["area"])
    down = m.asm.add_columns("move_down", 0.0, math.inf, n=n, parts=parts, area=ix["area"])
    terms = Terms.of_columns(np.stack([m.y_cols, up, down], axis=1), np.array([1.0, -1.0, 1.0]))
    return np.stack([up, down], axis=1), m.define("def_move", terms, parts, ix["area"])


def _prepare(m: ModelBuilder, rows: RuleRows) -> _Formula:
    n_t = len(m.years)
    r, c, _ = m.asm.coo()
    # the last year each row touches (slack columns have no year)
    row_year = np.full(m.asm.n_rows, -1, dtype=np.int64)
    np.maximum.at(row_year, r, rows.col_t[c])
    dev = add_deviations(m)
    moves, move_rows = _add_moves(m)
    slack, multiple = m.slack_penalties()
    col_t = np.full(m.asm.n_cols, -1, dtype=np.int64)
    col_t[: len(rows.col_t)] = rows.col_t
    for b in m.rule_blocks():
        if b.slack is not None:
            col_t[b.slack] = row_year[b.start : b.start + b.n, None]
    col_t[dev.reshape(-1, 2)] = np.indices(dev.shape[:3])[1].reshape(-1, 1)
    col_t[moves] = m.y_index["year"][:, None]
    # a cap on each year's distance and penalties, free until the year's second solve
    caps = []
    for t in range(n_t):
        cols = np.concatenate([dev[:, t].ravel(), slack[col_t[slack] == t]])
        coef = np.concatenate([np.ones(dev[:, t].size), multiple[col_t[slack] == t]])
        caps.append(Terms(1, np.zeros(len(cols), dtype=np.int64), cols, coef))
    cap_terms = stack(caps) - np.full(n_t, np.inf)
    cap_rows = m.define("cap_distance", cap_terms, (m.year(np.arange(n_t)),), None, "<=")
    row_year = np.concatenate([row_year, np.full(m.asm.n_rows - len(row_year), -1)])
    row_year[cap_rows] = np.arange(n_t)
    return _Formula(m, rows, dev, moves, move_rows, cap_rows, col_t, row_year, slack, multiple)


def formula_by_lp(
    m: ModelBuilder,
    rows: RuleRows,
    spec: SolverSpec,
    deadline: Deadline,
    t0: float,
    bases: Bases | None = None,
) -> FormulaAllocation:
    """Solve the formula year by year (see the module docstring). ``bases``: where each year's two LPs
    ended last time (updated here); with HiGHS's simplex each starts there when it has the same shape,
    as in a sweep, where the variants differ in numbers only."""
    if spec.options.get("run_crossover", "on") != "on":
        # an interior point is only near the optimum: the formula always ends at a vertex, so its
        # allocation is exact whichever algorithm finds it
        spec = spec.model_copy(update={"options": {**spec.options, "run_crossover": "on"}})
    if spec.name == "highs" and spec.algorithm == "simplex" and "simplex_strategy" not in spec.options:
        # measured fastest on these LPs (UK size: primal 8.3 s, dual 12.2 s, IPM 14.7 s, same run)
        spec = spec.model_copy(update={"options": {**spec.options, "simplex_strategy": PRIMAL}})
    f = _prepare(m, rows)
    try:
        values, duals = _by_year(f, spec, deadline, False, bases)
    except _NoAllocation:
        values, duals = _by_year(f, spec, deadline, True, bases)
    ix = m.y_index
    x = np.zeros((len(m.codes), len(m.years), len(m.streams)))
    np.add.at(x, (ix["area"], ix["year"], ix["stream"]), values[m.y_cols])
    table = row_table(m, Solution("optimal", values, duals, None, 0.0), 1.0)
    return FormulaAllocation(m.scale * np.maximum(x, 0.0), "lp", time.perf_counter() - t0, table)


def _by_year(
    f: _Formula, spec, deadline: Deadline, lookahead: bool, bases: Bases | None
) -> tuple[np.ndarray, np.ndarray]:
    m, ix = f.m, f.m.y_index
    n_cols = m.asm.n_cols
    values = np.full(n_cols, np.nan)
    duals = np.full(m.asm.n_rows, np.nan)
    m.asm.set_rhs(f.cap_rows, np.inf)  # later years' caps free (a look-ahead after a greedy pass)
    for t in range(len(m.years)):
        deadline.check(WHAT)
        in_t = ix["year"] == t
        r_t = _reference(f, t, values)
        m.asm.set_rhs(f.move_rows[in_t], r_t)
        keep = (f.col_t >= t) if lookahead else (f.col_t == t)
        known = np.where(f.col_t < t, values, np.nan)
        lp = m.asm.restrict(keep, known)
        with kept_model(lp, np.zeros(lp.n_cols), spec) as live:
            start = _Start(bases, (t, lookahead), live if isinstance(live, HighsModel) else None)
            sol, dual = _solve_year(f, t, lp, (keep, known), live, r_t, spec, deadline, lookahead, start)
        in_year = f.row_year[lp.rows] == t
        duals[lp.rows[in_year]] = dual[in_year]
        year = f.col_t[lp.cols] == t
        values[lp.cols[year]] = sol.x[year]
    return np.nan_to_num(values), duals


def _solve_year(
    f: _Formula,
    t: int,
    lp: LP,
    part: tuple[np.ndarray, np.ndarray],
    live,
    r_t: np.ndarray,
    spec: SolverSpec,
    deadline: Deadline,
    lookahead: bool,
    start: _Start,
) -> tuple[Solution, np.ndarray]:
    """Year ``t``'s two LPs (``lp``, restricted to ``part``: the columns kept and the earlier years'
    values), re-solved in one model where there is one (``live``): the least distance, then the nearest
    ``R`` with the distance capped at its optimum. Returns the second's solution and the first's row
    duals."""
    m, n_cols = f.m, f.m.asm.n_cols
    in_t = m.y_index["year"] == t
    # stage 1: the year's distance and soft penalties
    cost = np.zeros(n_cols)
    cost[f.dev[:, t].ravel()] = -1.0
    mine = f.col_t[f.slack] == t
    cost[f.slack[mine]] = -f.multiple[mine]
    if live is not None:
        live.set_costs(cost[lp.cols])
    warm = start.begin(spec, 1)
    report, sol = solve_lp(lp, Objective("formula", cost[lp.cols], 1.0), spec, deadline, live, warm=warm)
    if report.status == Status.INFEASIBLE and t > 0 and not lookahead:
        raise _NoAllocation
    if report.status == Status.INFEASIBLE:
        raise NoFormulaAllocation
    if report.status != Status.OPTIMAL:
        raise_for(report, WHAT, deadline.seconds)
    start.end(1)
    first_dual = sol.dual
    distance = -sol.objective
    # stage 2: nearest R, the distance capped at its optimum
    # CBC's solution comes back through a file with 8 or so digits: its optimum is known less exactly.
    # HiGHS's, in one model or by area, is exact: a looser cap would let the allocation move (£300 at
    # national scale), so the formula would depend on how the LP was solved
    exact = uses_highspy(spec)
    cap = distance + (1e-7 + 1e-10 * abs(distance) if exact else 1e-6 + 1e-7 * abs(distance))
    m.asm.set_rhs(f.cap_rows[t : t + 1], cap)
    cost = np.zeros(n_cols)
    weight = _distinct(m, in_t) / (r_t + 1e-3 * max(float(r_t.mean()), 1e-6))
    cost[f.moves[in_t, 0]] = cost[f.moves[in_t, 1]] = -weight
    warm = spec.algorithm != "ipm"  # IPM ignores a basis: keep the scenario's algorithm
    if live is not None:
        live.set_row_bounds(np.array([np.searchsorted(lp.rows, f.cap_rows[t])]), -np.inf, cap)
        live.set_costs(cost[lp.cols])
    else:
        lp = m.asm.restrict(*part)
    start.begin(spec, 2)
    report, sol = solve_lp(lp, Objective("formula", cost[lp.cols], 1.0), spec, deadline, live, warm=warm)
    if report.status != Status.OPTIMAL:
        raise_for(report, WHAT, deadline.seconds)
    start.end(2)
    return sol, first_dual


@dataclass
class _Start:
    """Where a year's LPs start: the basis each ended at last time (``bases[(*key, stage)]``), if the
    model is HiGHS's own, of the same shape, and solved by simplex (IPM ignores a basis)."""

    bases: Bases | None
    key: tuple[int, bool]
    model: HighsModel | None

    def begin(self, spec: SolverSpec, stage: int) -> bool:
        """Set the last basis if there is a usable one; whether the solve is then warm."""
        kept = None if self.bases is None or self.model is None else self.bases.get((*self.key, stage))
        if kept is None or spec.algorithm == "ipm":
            return False
        basis, shape = kept
        if shape != (self.model.n_cols, self.model.n_rows):
            return False
        self.model.set_basis(basis)
        return True

    def end(self, stage: int) -> None:
        """Keep the optimal basis (and the shape it fits: reading a basis's length copies it) for next
        time."""
        if self.bases is not None and self.model is not None:
            basis = self.model.basis()
            if basis is not None:
                self.bases[(*self.key, stage)] = (basis, (self.model.n_cols, self.model.n_rows))


def _distinct(m: ModelBuilder, in_t: np.ndarray) -> np.ndarray:
    """A factor in [1, 1.01) fixed by each column's area and stream (a golden-ratio sequence), so no two
    moves cost exactly the same and the second stage has one optimum."""
    ix = m.y_index
    k = ix["area"][in_t] * len(m.streams) + ix["stream"][in_t]
    return 1.0 + 0.01 * np.mod(k * 0.6180339887498949, 1.0)


def _reference(f: _Formula, t: int, values: np.ndarray) -> np.ndarray:
    """``R`` for year t given the earlier years (model units, one per x column of the year), or the
    phased targets split by the national shares where ``R`` cannot be computed."""
    m = f.m
    n = len(f.rows.col_t)
    known = np.where(f.col_t[:n] < t, values[:n], np.nan)
    x = np.zeros((len(m.codes), len(m.years), len(m.streams)))
    if not relaxed_formula(m, f.rows, range(t, t + 1), known, x):
        x[:, t, :] = _target_split(m, t)
    ix = m.y_index
    in_t = ix["year"] == t
    return x[ix["area"][in_t], t, ix["stream"][in_t]]


def _target_split(m: ModelBuilder, t: int) -> np.ndarray:
    """The phased targets split over streams by the national shares (capped)."""
    inp = m.inputs
    amounts = np.maximum(inp.phased_target[:, t, :], 0.0) / m.scale
    in_t = m.y_index["year"] == t
    hi = np.zeros((len(m.codes), len(m.streams)))
    hi[m.y_index["area"][in_t], m.y_index["stream"][in_t]] = m.asm.col_upper[m.y_cols[in_t]]
    cap = np.stack([hi[:, inp.stream_budget == b].sum(axis=1) for b in range(len(m.budgets))], axis=1)
    split = split_streams(m, np.minimum(amounts, cap), np.zeros_like(hi), hi)
    return split if split is not None else np.zeros_like(hi)
