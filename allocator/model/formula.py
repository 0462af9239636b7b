"""The formula allocation (the incumbent method), complete and unique, computed without an LP where it can.

Definition (published in docs/model.md, section 6). Year by year, in order, each year's formula allocation
takes the earlier years' as given, as settlements are made (a floor or a pace-of-change cap is against
last year's actual settlement):

1. the year's budget totals ``X[a,t,b]`` are as close as the rules allow to the phased targets
   ``Phi[a,t,b]`` (least ``sum_(a,b) |X - Phi|`` plus soft rules' penalties), while the later years can
   still meet their rules;
2. among those, the *relaxed formula* ``R`` where it is one: gains scaled back pro rata, one give-up share
   per year and budget; areas held by a bound on their total (a floor, a minimum, a ceiling...) give up
   less (or more) by one share of their own across their budgets; money the targets cannot take shared
   pro rata to the targets; the stream split within a budget is the national baseline shares, capped at
   each stream's capacity (``allocator/model/prorata.py``). ``R`` is computed under the rules that are
   bounds on one area's totals and on the national totals;
3. otherwise (other rules, such as neighbour parity, a ring-fence or a stream mix, hold the allocation
   away from ``R``) the allocation of step 1 nearest ``R``: least weighted ``sum |x - R|`` over areas and
   streams (``allocator/model/formula_lp.py``).

So when ``R`` meets every rule it is the formula allocation, exactly, with no solver: every allocation of
least distance under the bounds alone is at least as far from the targets, and ``R`` meets the other
rules too. This module computes ``R`` and checks it against every row of the formula's LP (its own
model, with one column per area, year and stream rather than response segments).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.model.build import ModelBuilder
from allocator.model.inputs import ModelInputs
from allocator.model.prorata import YearProblem, clip_fill, solve_year
from allocator.rules import make_rule

HARD_PENALTY = 2.0
"""A soft rule whose penalty multiple is at least this never pays to breach in the formula (a £ of
breach moves at most two £ of distance), so the direct computation may treat its bounds as hard."""

ROW_TOL = 1e-6
"""How far (model units: £1 at a national settlement's scale) a row of the formula model may miss its
bound in the directly computed allocation before the LP is used instead."""

X_KIND, N_KIND, FLOW_KIND, OTHER_KIND = 1, 2, 0, 3


@dataclass
class FormulaAllocation:
    x: np.ndarray
    """A x T x S, £."""
    method: str
    """``direct`` (no solver) or ``lp``."""
    seconds: float
    rows: pd.DataFrame | None = None
    """The formula model's rule rows at the allocation (duals only when the LP was solved)."""
    model: ModelBuilder | None = None


def build_formula_model(inputs: ModelInputs) -> ModelBuilder:
    """The formula's LP: one column per (area, year, stream), every rule of the scenario."""
    m = ModelBuilder(inputs, segments=False)
    for rule_id, spec in inputs.scenario.rules.items():
        make_rule(rule_id, spec).add(m)
    return m


class RuleRows:
    """The formula model's rule rows, sorted by what they constrain, for year-by-year bounds."""

    def __init__(self, m: ModelBuilder):
        self.m = m
        asm = m.asm
        n = asm.n_cols
        self.kind = np.full(n, OTHER_KIND, dtype=np.int8)
        self.col_t = np.full(n, -1, dtype=np.int64)
        self.col_a = np.full(n, -1, dtype=np.int64)
        self.col_b = np.full(n, -1, dtype=np.int64)
        ix = m.y_index
        self.kind[m.y_cols] = FLOW_KIND
        self.col_t[m.y_cols], self.col_a[m.y_cols] = ix["year"], ix["area"]
        self.col_b[m.y_cols] = m.inputs.stream_budget[ix["stream"]]
        grid = np.indices(m.X_col.shape)
        self.kind[m.X_col.ravel()] = X_KIND
        self.col_a[m.X_col.ravel()], self.col_t[m.X_col.ravel()] = grid[0].ravel(), grid[1].ravel()
        self.col_b[m.X_col.ravel()] = grid[2].ravel()
        tb = np.indices(m.N_col.shape)
        self.kind[m.N_col.ravel()] = N_KIND
        self.col_t[m.N_col.ravel()], self.col_b[m.N_col.ravel()] = tb[0].ravel(), tb[1].ravel()

        blocks = m.rule_blocks()
        self.rule_row = np.zeros(asm.n_rows, dtype=bool)
        self.penalty = np.zeros(asm.n_rows)
        self.soft = np.zeros(asm.n_rows, dtype=bool)
        self.sense = np.zeros(asm.n_rows, dtype=np.int8)  # -1 <=, 0 ==, 1 >=
        self.rhs = np.zeros(asm.n_rows)
        for b in blocks:
            r = slice(b.start, b.start + b.n)
            self.rule_row[r] = True
            self.soft[r] = b.slack is not None
            self.penalty[r] = b.penalty
            self.sense[r] = {"<=": -1, "==": 0, ">=": 1}[b.sense]
            self.rhs[r] = b.rhs
        row, col, val = asm.coo()
        keep = self.rule_row[row] & (self.kind[col] != OTHER_KIND)
        self.row, self.col, self.val = row[keep], col[keep], val[keep]

    def _unknowns(self, v: np.ndarray, t: int) -> dict[str, np.ndarray]:
        """Per rule row, given column values ``v`` (NaN where unknown): the known part of its left-hand
        side, how many unknown columns it has (and how many of another year, or not area totals), the
        first one and its coefficient, and whether every unknown is of one area with one coefficient."""
        row, col, val = self.row, self.col, self.val
        n_rows = len(self.rhs)
        is_known = ~np.isnan(v[col])
        known_part = np.bincount(row[is_known], weights=val[is_known] * v[col[is_known]], minlength=n_rows)
        ru, cu, vu = row[~is_known], col[~is_known], val[~is_known]
        first = np.full(n_rows, -1, dtype=np.int64)
        coef = np.zeros(n_rows)
        heads, at = np.unique(ru, return_index=True)
        first[heads], coef[heads] = cu[at], vu[at]
        same = np.ones(n_rows, dtype=bool)
        np.logical_and.at(same, ru, (self.col_a[cu] == self.col_a[first[ru]]) & (vu == coef[ru]))
        return {
            "known_part": known_part,
            "count": np.bincount(ru, minlength=n_rows),
            "elsewhere": np.bincount(ru, weights=(self.col_t[cu] != t).astype(float), minlength=n_rows),
            "not_x": np.bincount(ru, weights=(self.kind[cu] != X_KIND).astype(float), minlength=n_rows),
            "first": first,
            "coef": coef,
            "same": same,
        }

    def stream_bounds(self, t: int, known: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Bounds on each stream amount of year ``t`` (A x S, model units) from rows that, with the year's
        totals known, bound one stream amount of one area (a stream mix, say); None if such a row is
        soft enough to be worth breaching."""
        m = self.m
        u = self._unknowns(known, t)
        first = np.maximum(u["first"], 0)
        one = self.rule_row & (u["count"] == 1) & (u["elsewhere"] == 0) & (self.kind[first] == FLOW_KIND)
        if (one & self.soft & (self.penalty < HARD_PENALTY)).any():
            return None
        coef = u["coef"]
        value = np.where(one, (self.rhs - u["known_part"]) / np.where(coef != 0, coef, 1.0), 0.0)
        sense = np.where(coef < 0, -self.sense, self.sense)
        n_a, n_s = len(m.codes), len(m.streams)
        lo, hi = np.zeros((n_a, n_s)), np.zeros((n_a, n_s))
        in_t = m.y_index["year"] == t
        where = (m.y_index["area"][in_t], m.y_index["stream"][in_t])
        hi[where] = m.asm.col_upper[m.y_cols[in_t]]
        stream_of = np.full(m.asm.n_cols, -1, dtype=np.int64)
        stream_of[m.y_cols] = m.y_index["stream"]
        for mask, target, fn in ((one & (sense >= 0), lo, np.maximum), (one & (sense <= 0), hi, np.minimum)):
            c = u["first"][mask]
            fn.at(target, (self.col_a[c], stream_of[c]), value[mask])
        return lo, hi

    def year_problem(self, t: int, known: np.ndarray) -> YearProblem | None:
        """Year ``t``'s bounds given the values of earlier years' columns (``known``, NaN elsewhere)."""
        m, inp = self.m, self.m.inputs
        n_a, n_b = len(m.codes), len(m.budgets)
        v = known.copy()
        row, col, val = self.row, self.col, self.val
        n_rows = len(self.rhs)
        # envelopes: rows on one national total of this year; one allocated in full fixes it
        single = np.bincount(row, minlength=n_rows) == 1
        national = single[row] & (self.kind[col] == N_KIND) & (self.col_t[col] == t)
        env_rows = row[national]
        if (self.soft[env_rows] & (self.penalty[env_rows] < HARD_PENALTY)).any():
            return None
        env_value = self.rhs[env_rows] / val[national]
        env_sense = np.where(val[national] < 0, -self.sense[env_rows], self.sense[env_rows])
        env_b = self.col_b[col[national]]
        e_lo, e_hi = np.zeros(n_b), np.full(n_b, np.inf)
        np.maximum.at(e_lo, env_b[env_sense >= 0], env_value[env_sense >= 0])
        np.minimum.at(e_hi, env_b[env_sense <= 0], env_value[env_sense <= 0])
        fixed = env_sense == 0
        v[col[national][fixed]] = env_value[fixed]

        u = self._unknowns(v, t)
        known_part, count, first, coef = u["known_part"], u["count"], u["first"], u["coef"]

        mine = self.rule_row & (count > 0) & (u["elsewhere"] == 0)
        mine[env_rows] = False
        total = mine & (u["not_x"] == 0) & u["same"] & (count == n_b)
        budget = mine & (count == 1) & (self.kind[np.maximum(first, 0)] == X_KIND)
        bounds = total | budget
        if (bounds & self.soft & (self.penalty < HARD_PENALTY)).any():
            return None

        value = np.where(bounds, (self.rhs - known_part) / np.where(coef != 0, coef, 1.0), 0.0)
        sense = np.where(coef < 0, -self.sense, self.sense)
        lower = bounds & (sense >= 0)
        upper = bounds & (sense <= 0)

        scale = m.scale
        cap = np.zeros((n_a, n_b))
        upper_x = m.asm.col_upper[m.y_cols]
        in_t = m.y_index["year"] == t
        np.add.at(cap, (m.y_index["area"][in_t], inp.stream_budget[m.y_index["stream"][in_t]]), upper_x[in_t])
        lo, hi = np.zeros((n_a, n_b)), cap.copy()
        total_lo, total_hi = np.full(n_a, -np.inf), np.full(n_a, np.inf)
        for mask, target, fn in (
            (total & lower, total_lo, np.maximum),
            (total & upper, total_hi, np.minimum),
            (budget & lower, lo, np.maximum),
            (budget & upper, hi, np.minimum),
        ):
            c = first[mask]
            fn.at(
                target, (self.col_a[c],) if target.ndim == 1 else (self.col_a[c], self.col_b[c]), value[mask]
            )
        phi = inp.phased_target[:, t, :] / scale
        base = np.stack([inp.base[:, inp.stream_budget == b].sum(axis=1) for b in range(n_b)], axis=1) / scale
        return YearProblem(phi, base, lo, hi, total_lo, total_hi, e_lo, e_hi)


def split_streams(
    m: ModelBuilder, budget_amounts: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray | None:
    """x[a, s] for one year (model units): each budget amount over its streams pro rata to the national
    baseline shares, within each stream's bounds (its capacity, and rows such as a stream mix)."""
    inp = m.inputs
    x = np.zeros(lo.shape)
    for b in range(len(m.budgets)):
        cols = np.nonzero(inp.stream_budget == b)[0]
        weight = inp.mix_share[:, cols] * inp.eligible[:, cols]
        part = clip_fill(budget_amounts[:, b], weight, lo[:, cols], hi[:, cols])
        if part is None:
            return None
        x[:, cols] = part
    return x


def column_values(m: ModelBuilder, x: np.ndarray) -> np.ndarray:
    """Every column's value (model units) at allocation ``x`` (A x T x S, model units); slacks 0."""
    v = np.zeros(m.asm.n_cols)
    ix = m.y_index
    v[m.y_cols] = x[ix["area"], ix["year"], ix["stream"]]
    budgets = np.stack(
        [x[:, :, m.inputs.stream_budget == b].sum(axis=2) for b in range(len(m.budgets))], axis=2
    )
    v[m.X_col] = budgets
    v[m.N_col] = budgets.sum(axis=0)
    return v


def relaxed_formula(m: ModelBuilder, rows: RuleRows, years: range, known: np.ndarray, x: np.ndarray) -> bool:
    """Fill ``x`` (A x T x S, model units) and ``known`` with ``R`` for ``years``, in order; False if a
    year cannot be computed directly (``x`` is then filled up to that year)."""
    n = len(rows.col_t)
    for t in years:
        problem = rows.year_problem(t, known)
        amounts = solve_year(problem) if problem is not None else None
        if amounts is None:
            return False
        # the year's totals are now known: stream rows of one area become bounds on its streams
        totals = known.copy()
        totals[m.X_col[:, t, :].ravel()] = amounts.ravel()
        totals[m.N_col[t]] = amounts.sum(axis=0)
        bounds = rows.stream_bounds(t, totals)
        split = split_streams(m, amounts, *bounds) if bounds is not None else None
        if split is None:
            return False
        x[:, t, :] = split
        values = column_values(m, x)[:n]
        in_t = rows.col_t == t
        known[in_t] = values[in_t]
    return True


def meets_every_row(m: ModelBuilder, v: np.ndarray) -> bool:
    """Whether column values ``v`` (slacks 0) meet every row of ``m`` within ``ROW_TOL``."""
    act = m.asm.activity(v)
    lo, hi = m.asm.row_bounds()
    tol = ROW_TOL + 1e-9 * np.maximum(
        np.abs(np.where(np.isfinite(lo), lo, 0)), np.abs(np.where(np.isfinite(hi), hi, 0))
    )
    return bool(((act >= lo - tol) & (act <= hi + tol)).all())


def formula_allocation(inputs: ModelInputs, spec, deadline) -> FormulaAllocation:
    """The formula allocation of a scenario: ``R`` when it meets every rule, else the LP's."""
    t0 = time.perf_counter()
    m = build_formula_model(inputs)
    rows = RuleRows(m)
    n_t = len(m.years)
    x = np.zeros((len(m.codes), n_t, len(m.streams)))
    known = np.full(m.asm.n_cols, np.nan)
    if relaxed_formula(m, rows, range(n_t), known, x):
        v = column_values(m, x)
        if meets_every_row(m, v):
            from allocator.model.solve import row_table, solution_from_values

            table = row_table(m, solution_from_values(v), 1.0)
            return FormulaAllocation(m.scale * x, "direct", time.perf_counter() - t0, table, m)
    from allocator.model.formula_lp import formula_by_lp

    return formula_by_lp(m, rows, spec, deadline, t0)
