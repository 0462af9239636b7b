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
   pro rata to the targets; each area's split between budgets kept within what its stream mix and
   capital share allow; the stream split within a budget by the national baseline shares, within each
   stream's bounds (``allocator/model/prorata.py``). ``R`` is computed under the rules that bound one
   area's totals, budgets or streams, and the envelopes (``allocator/model/formula_rows.py``);
3. otherwise (other rules, such as a neighbour parity or a ring-fence, hold the allocation away from
   ``R``, or ``R`` is not of least distance) the allocation of step 1 nearest ``R``: least weighted
   ``sum |x - R|`` over areas and streams (``allocator/model/formula_lp.py``).

So when ``R`` meets every rule and is of least distance, it is the formula allocation, exactly, with no
solver: no allocation under the bounds alone is nearer the targets, and ``R`` meets the other rules too.
This module computes ``R`` and checks both against the formula's LP (its own model, with one column per
area, year and stream rather than response segments); ``allocator/model/formula_allocation.py`` takes
``R`` when it passes, else the LP's allocation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.model.build import ModelBuilder, build_model
from allocator.model.formula_rows import RuleRows
from allocator.model.inputs import ModelInputs
from allocator.model.prorata import YearProblem, clip_fill, solve_year

ROW_TOL = 1e-6
"""How far (model units: £1 at a national settlement's scale) a row of the formula model may miss its
bound in the directly computed allocation before the LP is used instead."""


@dataclass
class FormulaAllocation:
    x: np.ndarray
    """A x T x S, £."""
    method: str
    """``direct`` (no solver) or ``lp``."""
    seconds: float
    rows: pd.DataFrame | None = None
    """The formula model's rule rows at the allocation (duals only when the LP was solved)."""


def build_formula_model(inputs: ModelInputs) -> ModelBuilder:
    """The formula's LP: one column per (area, year, stream), every rule of the scenario."""
    return build_model(inputs, segments=False)


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


def relaxed_formula(
    m: ModelBuilder,
    rows: RuleRows,
    years: range,
    known: np.ndarray,
    x: np.ndarray,
    shares: dict | None = None,
) -> bool:
    """Fill ``x`` (A x T x S, model units) and ``known`` with ``R`` for ``years``, in order; False if a
    year cannot be computed directly (``x`` is then filled up to that year). ``shares`` (year -> the
    budgets' shares) seeds the search, from an earlier computation, and receives the shares found."""
    n = len(rows.col_t)
    shares = {} if shares is None else shares
    last = None
    for t in years:
        problem = rows.year_problem(t, known)
        amounts = solve_year(problem, shares.get(t, last)) if problem is not None else None
        if amounts is None or not _least_distance(problem, amounts):
            return False
        shares[t] = last = problem.shares
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


def _least_distance(problem: YearProblem, amounts: np.ndarray) -> bool:
    """Whether moving areas' splits into their bounds kept the distance of the shares' allocation, the
    least any allocation within the other bounds has: only then is the result of least distance."""
    if problem.split is None or not problem.split.moved:
        return True
    free = solve_year(dataclasses.replace(problem, split=None), problem.shares)
    if free is None:
        return False
    distance = np.abs(amounts - problem.phi).sum()
    least = np.abs(free - problem.phi).sum()
    return bool(distance <= least + 1e-9 * max(1.0, least))


def meets_every_row(m: ModelBuilder, v: np.ndarray) -> bool:
    """Whether column values ``v`` (slacks 0) meet every row of ``m`` within ``ROW_TOL``."""
    act = m.asm.activity(v)
    lo, hi = m.asm.row_bounds()
    tol = ROW_TOL + 1e-9 * np.maximum(
        np.abs(np.where(np.isfinite(lo), lo, 0)), np.abs(np.where(np.isfinite(hi), hi, 0))
    )
    return bool(((act >= lo - tol) & (act <= hi + tol)).all())


def formula_fingerprint(inputs: ModelInputs) -> str:
    """A digest of everything the formula allocation reads for one geography (the formula's model and
    targets; not the effects, weights' local multipliers, response curvature or discounting, which only
    the scenario's own objective reads): equal digests, equal formula allocations."""
    sc = inputs.scenario
    digest = hashlib.sha256()
    for arr in (
        inputs.population,
        inputs.base,
        inputs.own,
        inputs.own_base,
        inputs.eligible,
        inputs.integrated,
        inputs.envelope,
        inputs.inflation,
        inputs.need_share,
        inputs.formula_target,
        inputs.phased_target,
        inputs.mix_share,
        inputs.stream_budget,
        inputs.breakpoints[:, -1],
    ):
        digest.update(np.ascontiguousarray(arr).tobytes())
    rules = {k: v.model_dump(mode="json") for k, v in sc.rules.items()}
    plain = [rules, sc.years, sc.amounts, sc.objective.soft_penalty, sc.solver.model_dump(mode="json")]
    digest.update(json.dumps(plain, sort_keys=True, default=str).encode())
    return digest.hexdigest()
