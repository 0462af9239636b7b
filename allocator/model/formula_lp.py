"""The formula allocation by LP, for scenarios whose rules hold it away from the relaxed formula ``R``.

Year by year on one live model (``allocator/model/formula.py`` states the definition):

1. columns of earlier years are fixed at their allocation; later years' rows stay, so the later years can
   still meet their rules; the objective is the year's distance ``sum_(a,b) |X - Phi|`` (``dev`` columns)
   plus the penalties of soft rows that end in the year. Its optimum is ``D``;
2. a row caps that at ``D`` (to rounding) and the objective becomes the year's weighted move
   ``sum_(a,s) |x - R| / (R + eps)`` from ``R`` (``move`` columns; ``R`` for the year given the earlier
   years, or the phased targets split by the national shares where ``R`` cannot be computed). A
   weighted sum of moves with weights of this kind has one optimum, which every LP algorithm finds.

Both solves are warm after the first. Every solve gets what is left of the run's time budget.
"""

from __future__ import annotations

import math
import time

import numpy as np

from allocator.errors import SolverError
from allocator.model.build import ModelBuilder
from allocator.model.formula import FormulaAllocation, RuleRows, column_values, relaxed_formula, split_streams
from allocator.model.highs_backend import HighsModel
from allocator.model.linear import Terms
from allocator.model.objective import Objective, add_deviations
from allocator.model.solve import Deadline, Status, raise_for, row_table, solve_lp, uses_highspy


def _add_moves(m: ModelBuilder) -> tuple[np.ndarray, np.ndarray]:
    """``x - move_up + move_down = R`` per (area, year, stream) (rows ``def_move``, rhs set per year)."""
    n = len(m.y_cols)
    ix = m.y_index
    parts = (m.code(ix["area"]), m.year(ix["year"]), np.array(m.streams, dtype=object)[ix["stream"]])
    up = m.asm.add_columns("move_up", 0.0, math.inf, n=n, parts=parts, area=ix["area"])
    down = m.asm.add_columns("move_down", 0.0, math.inf, n=n, parts=parts, area=ix["area"])
    rows = m.define(
        "def_move",
        Terms.of_columns(np.stack([m.y_cols, up, down], axis=1), np.array([1.0, -1.0, 1.0])),
        parts,
        ix["area"],
    )
    return np.stack([up, down], axis=1), rows


def _column_years(m: ModelBuilder, rows: RuleRows, row_year: np.ndarray) -> np.ndarray:
    """The year position of every column: its own, or for a slack the last year its row touches."""
    col_t = np.full(m.asm.n_cols, -1, dtype=np.int64)
    col_t[: len(rows.col_t)] = rows.col_t
    for b in m.rule_blocks():
        if b.slack is not None:
            col_t[b.slack] = row_year[b.start : b.start + b.n, None]
    return col_t


def formula_by_lp(m: ModelBuilder, rows: RuleRows, spec, deadline: Deadline, t0: float) -> FormulaAllocation:
    """Solve the formula year by year (see the module docstring)."""
    n_a, n_t, n_s = len(m.codes), len(m.years), len(m.streams)
    # the last year each rule row touches
    r, c, _ = m.asm.coo()
    row_year = np.full(m.asm.n_rows, -1, dtype=np.int64)
    np.maximum.at(
        row_year, r, np.where(c < len(rows.col_t), rows.col_t[np.minimum(c, len(rows.col_t) - 1)], -1)
    )
    dev = add_deviations(m)
    moves, move_rows = _add_moves(m)
    n_cols = m.asm.n_cols
    col_t = _column_years(m, rows, row_year)
    dev_t = (
        np.repeat(np.arange(n_t), len(m.budgets))[None, :].repeat(n_a, 0).reshape(n_a, n_t, len(m.budgets))
    )
    col_t[dev[..., 0].ravel()] = dev_t.ravel()
    col_t[dev[..., 1].ravel()] = dev_t.ravel()
    col_t[moves[:, 0]] = m.y_index["year"]
    col_t[moves[:, 1]] = m.y_index["year"]
    slack, multiple = m.slack_penalties()
    # the cap on each year's distance: one row per year, free until its year's second solve
    dev_cols = dev.reshape(n_a, n_t, -1)
    cap_terms = []
    for t in range(n_t):
        mine = slack[col_t[slack] == t]
        cols = np.concatenate([dev_cols[:, t, :].ravel(), mine])
        coef = np.concatenate([np.ones(dev_cols[:, t, :].size), multiple[col_t[slack] == t]])
        cap_terms.append(Terms(1, np.zeros(len(cols), dtype=np.int64), cols, coef))
    from allocator.model.linear import stack

    caps = stack(cap_terms)
    cap_rows = m.define("cap_distance", caps - np.full(n_t, np.inf), (m.year(np.arange(n_t)),), None, "<=")

    row_year = np.concatenate([row_year, np.full(m.asm.n_rows - len(row_year), -1)])
    ix = m.y_index
    x = np.zeros((n_a, n_t, n_s))
    known = np.full(len(rows.col_t), np.nan)
    values = np.zeros(n_cols)
    duals = np.full(m.asm.n_rows, np.nan)
    live = HighsModel(m.asm, np.zeros(n_cols), spec) if uses_highspy(spec) else None
    warm = spec.algorithm != "ipm"  # IPM ignores a basis: keep the scenario's algorithm for every solve
    seconds_allowed = deadline.seconds
    for t in range(n_t):
        deadline.check("solving the formula allocation")
        reference = np.zeros((n_a, n_t, n_s))
        reference[:, :t, :] = x[:, :t, :]
        if not relaxed_formula(m, rows, range(t, t + 1), known.copy(), reference):
            reference[:, t, :] = _target_split(m, t)
        r_t = reference[ix["area"], ix["year"], ix["stream"]]
        in_t = ix["year"] == t
        _set_rows(m, live, move_rows[in_t], r_t[in_t])
        # stage 1: the year's distance and penalties
        cost = np.zeros(n_cols)
        cost[dev_cols[:, t, :].ravel()] = -1.0
        mine = col_t[slack] == t
        cost[slack[mine]] = -multiple[mine]
        report, sol = _solve(m, live, cost, spec, deadline, warm=warm and t > 0)
        if report.status != Status.OPTIMAL:
            raise_for(report, "solving the formula allocation", seconds_allowed)
        distance = -sol.objective
        in_year_rows = row_year == t
        duals[in_year_rows] = sol.dual[in_year_rows]
        _set_rows(m, live, cap_rows[t : t + 1], distance + 1e-7 + 1e-10 * abs(distance))
        # stage 2: nearest R
        cost = np.zeros(n_cols)
        weight = 1.0 / (r_t[in_t] + 1e-3 * max(float(r_t[in_t].mean()), 1e-6))
        cost[moves[in_t, 0]] = -weight
        cost[moves[in_t, 1]] = -weight
        report, sol = _solve(m, live, cost, spec, deadline, warm=warm)
        if report.status != Status.OPTIMAL:
            raise_for(report, "solving the formula allocation", seconds_allowed)
        values = sol.x
        # fix the year
        fix = col_t == t
        _set_cols(m, live, np.nonzero(fix)[0], values[fix])
        x[:, t, :] = 0.0
        np.add.at(x, (ix["area"][in_t], t, ix["stream"][in_t]), values[m.y_cols[in_t]])
        known[: len(rows.col_t)] = np.where(rows.col_t <= t, column_values(m, x)[: len(rows.col_t)], np.nan)
    from allocator.model.highs_backend import Solution

    table = row_table(m, Solution("optimal", values, duals, None, 0.0), 1.0)
    return FormulaAllocation(m.scale * np.maximum(x, 0.0), "lp", time.perf_counter() - t0, table, m)


def _target_split(m: ModelBuilder, t: int) -> np.ndarray:
    """The phased targets split over streams by the national shares (capped): a reference for years
    where ``R`` cannot be computed."""
    inp = m.inputs
    amounts = np.maximum(inp.phased_target[:, t, :], 0.0) / m.scale
    in_t = m.y_index["year"] == t
    hi = np.zeros((len(m.codes), len(m.streams)))
    hi[m.y_index["area"][in_t], m.y_index["stream"][in_t]] = m.asm.col_upper[m.y_cols[in_t]]
    cap = np.stack([hi[:, inp.stream_budget == b].sum(axis=1) for b in range(len(m.budgets))], axis=1)
    split = split_streams(m, np.minimum(amounts, cap), np.zeros_like(hi), hi)
    return split if split is not None else np.zeros_like(hi)


def _set_rows(m: ModelBuilder, live: HighsModel | None, rows: np.ndarray, rhs) -> None:
    m.asm.set_rhs(rows, rhs)
    if live is not None:
        lo, hi = m.asm.row_bounds()
        live.set_row_bounds(rows, lo[rows], hi[rows])


def _set_cols(m: ModelBuilder, live: HighsModel | None, cols: np.ndarray, value: np.ndarray) -> None:
    m.asm.set_col_bounds(cols, value, value)
    if live is not None:
        live.set_col_bounds(cols, value, value)


def _solve(m: ModelBuilder, live: HighsModel | None, cost: np.ndarray, spec, deadline: Deadline, warm: bool):
    objective = Objective("formula", cost, 1.0)
    if live is not None:
        live.set_costs(cost)
    return solve_lp(m, objective, spec, deadline, live=live, warm=warm)


__all__ = ["SolverError", "formula_by_lp"]
