"""Attribution: which rules hold the settlement where it is, what each costs, and how each area's figure
was reached.

- ``shadow_prices``: mission value per extra £1m of each national row and of each rule per year;
- ``binding``: per area and year, the rules at their bound, and streams at their absorptive capacity;
- ``waterfall``: per area and year, baseline -> formula target -> phasing -> rules -> optimisation.

They read the model's row table (``allocator.model.solve.row_table``) and the settlement's tables, never
the LP itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHADOW_PRICE_COLUMNS = ["rule_id", "kind", "scope", "year", "budget", "stream", "value_per_gbp_m"]
BINDING_COLUMNS = ["area_code", "year", "rule_id", "kind", "dual"]


def shadow_prices(rows: pd.DataFrame) -> pd.DataFrame:
    """Mission value per extra £1m: each national row (envelopes, multi-year totals, ring-fences), and
    the summed dual of each rule per year (what the rule costs, or buys, in mission value)."""
    cols = SHADOW_PRICE_COLUMNS
    if rows.empty:
        return pd.DataFrame(columns=cols)
    r = rows.assign(value_per_gbp_m=rows["dual"] * 1e6)
    national = r[r["area_code"].isna()].assign(scope="national row")
    family = (
        r.groupby(["rule_id", "kind", "year"], dropna=False)["value_per_gbp_m"]
        .sum(min_count=1)  # no duals (a formula computed directly): no price, not 0
        .reset_index()
        .assign(scope="rule per year")
    )
    out = pd.concat([national[cols], family], ignore_index=True)
    out = out.reindex(columns=cols)
    out["value_per_gbp_m"] = out["value_per_gbp_m"].round(6)
    out = out.dropna(subset=["value_per_gbp_m"])  # rows with no dual (a formula computed directly)
    return out.sort_values(["scope", "rule_id", "year"], ignore_index=True)


def binding(
    rows: pd.DataFrame, totals: pd.DataFrame, allocations: pd.DataFrame, capacity: dict[str, float]
) -> pd.DataFrame:
    """Per area and year, the rules at their bound, and streams at their absorptive capacity.

    Args:
        rows: the model's row table (``row_table``): rule rows with their slack.
        totals: ``area_year_totals()`` (a row's slack is compared to its area's total).
        allocations: the allocations table.
        capacity: each stream's absorptive capacity, £ per head (``zmax_gbp_per_head``).
    """
    area_rows = rows[rows["area_code"].notna()]
    keys = pd.MultiIndex.from_arrays(
        [area_rows["area_code"], pd.to_numeric(area_rows["year"]).fillna(-1).astype(int)],
        names=["area_code", "year"],
    )
    scale = totals["amount_gbp"].reindex(keys).fillna(0.0)
    tol = 1.0 + 1e-6 * np.abs(scale.to_numpy(dtype=float))
    at_bound = area_rows[np.abs(area_rows["slack_gbp"].to_numpy()) <= tol]
    out = at_bound[BINDING_COLUMNS].copy()
    full = allocations[allocations["per_head_gbp"] >= allocations["stream"].map(capacity) - 1e-4]
    at_capacity = pd.DataFrame(
        {
            "area_code": full["area_code"],
            "year": full["year"],
            "rule_id": "capacity:" + full["stream"],
            "kind": "capacity",
            "dual": np.nan,
        }
    )
    out = pd.concat([out, at_capacity], ignore_index=True)
    out["year"] = pd.to_numeric(out["year"]).astype("Int64")  # a rule row may cover no single year
    return out.sort_values(["area_code", "year", "rule_id"], ignore_index=True)


WATERFALL_STEPS = [
    ("baseline", "baseline_gbp"),
    ("formula target", "formula_target_gbp"),
    ("after phasing", "phased_target_gbp"),
    ("after floors, ceilings and other rules", "formula_allocation_gbp"),
    ("after optimisation", "amount_gbp"),
]
"""The waterfall's steps, in order, and the column of ``area_year_totals()`` each reads."""


def waterfall(totals: pd.DataFrame) -> pd.DataFrame:
    """Per area and year (``totals``: ``area_year_totals()``), one row per step of ``WATERFALL_STEPS``:
    step_order, step, amount_gbp, and change_gbp from the step before."""
    frames = [
        pd.DataFrame({"step_order": order, "step": step, "amount_gbp": totals[column]})
        for order, (step, column) in enumerate(WATERFALL_STEPS)
    ]
    out = pd.concat(frames).reset_index().sort_values(["area_code", "year", "step_order"], ignore_index=True)
    out["change_gbp"] = out.groupby(["area_code", "year"])["amount_gbp"].diff().fillna(0.0)
    return out
