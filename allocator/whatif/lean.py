"""What a sweep keeps of each variant, computed from the solve's arrays without building a Settlement.

A variant's summary needs V and the formula's V, totals, how unequal the settlement is, which rules bind
and the shadow prices; none of that needs the full tables (allocations by stream, outcomes, the waterfall)
or the rules' checks, which cost more than the warm re-solve itself. A ``full`` sweep builds the
Settlement too and keeps its tables and verification.

Everything here is plain data (lists and numbers), so a result travels from a Dask worker, is written as
JSON and read back the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.value import value

BELOW_TARGET_GBP = 1.0
"""An area is below its formula target when its settlement over the years is short of it by more than £1."""
FULL_TABLES = ("allocations", "area_year_totals", "outcomes", "verification")
"""The tables a ``full`` sweep keeps of each variant, beside the lean ones."""


def lean_result(model: Any, solved: Any) -> dict[str, Any]:
    """The lean result of the model's last solve (``allocator.lean_solve.LeanSolve``)."""
    out: dict[str, Any] = {
        "status": solved.report.status.value,
        "warm": bool(solved.warm),
        "solve_s": float(solved.timings.get("solve_s", 0.0)),
    }
    if not solved.feasible:
        return out
    inputs = model.inputs
    opt = value(inputs, solved.x)
    formula = value(inputs, solved.x_formula) if solved.x_formula is not None else None
    area_total = solved.x.sum(axis=(1, 2))  # A: £ over the settlement's years
    per_head = area_total / inputs.population / len(inputs.years)
    target = inputs.formula_target.sum(axis=(1, 2))
    by_budget = np.stack(
        [solved.x[:, :, inputs.stream_budget == b].sum(axis=(0, 2)) for b in range(len(inputs.budgets))]
    )  # B x T
    out.update(
        {
            "V": opt.total,
            "V_formula": formula.total if formula is not None else None,
            "value_by_mission": opt.by_area_mission.sum(axis=0).tolist(),
            "formula_value_by_mission": (
                formula.by_area_mission.sum(axis=0).tolist() if formula is not None else None
            ),
            "totals_gbp": by_budget.tolist(),
            "area_total_gbp": area_total.tolist(),
            "formula_allocation_gbp": (
                solved.x_formula.sum(axis=(1, 2)).tolist() if solved.x_formula is not None else None
            ),
            "per_head_ratio": float(per_head.max() / per_head.min()) if per_head.min() > 0 else None,
            "areas_below_formula_target": int((area_total < target - BELOW_TARGET_GBP).sum()),
            "projected_change": opt.delta[:, -1, :].tolist(),  # A x M, in the last year
        }
    )
    if model.m is not None and solved.solution is not None:
        out["binding"], out["shadow_prices"] = rule_rows(model, solved)
    return out


def rule_rows(model: Any, solved: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    """From the LP's rows: [rule_id, kind, area rows at their bound] for each rule with any, and the
    shadow prices as ``allocator.results.shadow_prices`` gives them (each national row; the summed dual
    of each rule per year), as [rule_id, kind, scope, year, budget, stream, value_per_gbp_m].

    Computed block by block on arrays: a table of every row costs more than the re-solve.
    """
    m, sol = model.m, solved.solution
    activity = m.asm.activity(sol.x)
    per_gbp_m = sol.dual * model.objective.norm / m.scale * 1e6
    tol = 1.0 + 1e-6 * float(np.abs(solved.x.sum(axis=2)).max())
    at_bound: dict[tuple[str, str], int] = {}
    national: list[list[Any]] = []
    family: dict[tuple[str, str, int | None], float] = {}
    for b in m.rule_blocks():
        rows = np.arange(b.start, b.start + b.n)
        act = activity[rows]
        slack = m.scale * (b.rhs - act if b.sense == "<=" else act - b.rhs)
        dual = per_gbp_m[rows]
        years = b.year if b.year is not None else np.full(b.n, -1)
        if b.area is not None:
            held = int(((b.area >= 0) & (np.abs(slack) <= tol)).sum())
            if held:
                key = (b.name, b.kind)
                at_bound[key] = at_bound.get(key, 0) + held
        for i in np.nonzero(b.area < 0 if b.area is not None else np.ones(b.n, bool))[0].tolist():
            year = int(years[i]) if years[i] >= 0 else None
            budget = str(b.budget[i]) if b.budget is not None and b.budget[i] is not None else None
            stream = str(b.stream[i]) if b.stream is not None and b.stream[i] is not None else None
            national.append([b.name, b.kind, "national row", year, budget, stream, round(float(dual[i]), 6)])
        for year in np.unique(years).tolist():
            key = (b.name, b.kind, int(year) if year >= 0 else None)
            family[key] = family.get(key, 0.0) + float(dual[years == year].sum())
    prices = [
        *national,
        *([r, k, "rule per year", y, None, None, round(v, 6)] for (r, k, y), v in family.items()),
    ]
    prices.sort(key=lambda p: (p[2], p[0], -1 if p[3] is None else p[3]))
    return [[r, k, n] for (r, k), n in sorted(at_bound.items())], prices


def full_tables(settlement: Any) -> dict[str, pd.DataFrame]:
    """The tables a ``full`` sweep keeps of a variant's settlement."""
    return {
        "allocations": settlement.allocations,
        "area_year_totals": settlement.area_year_totals().reset_index(),
        "outcomes": settlement.outcomes,
        "verification": settlement.verification,
    }
