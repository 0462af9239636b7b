"""The tables of a solved allocation: allocations, outcomes, value against the formula's, shadow prices,
binding rules and summary.json's content. They read only the allocation, the model's row table and the
inputs, whichever way the allocation was found.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from allocator.geography import Geography
from allocator.model.inputs import ModelInputs
from allocator.model.solve import SolveReport
from allocator.settlement import Settlement
from allocator.value import outcomes_table, value


def make_settlement(
    inputs: ModelInputs,
    geography: Geography,
    x: np.ndarray,
    x_formula: np.ndarray,
    rows: pd.DataFrame,
    report: SolveReport | None,
    lp_rows: int | None,
) -> Settlement:
    """Tidy tables of a solved allocation ``x`` (and the formula allocation ``x_formula``)."""
    sc = inputs.scenario
    codes, years, streams = inputs.codes, inputs.years, inputs.streams
    a, t, s = np.nonzero(np.broadcast_to(inputs.eligible[:, None, :], x.shape))
    names = inputs.areas["area_name"].to_numpy()
    amount = np.round(x[a, t, s], 2)
    allocations = pd.DataFrame(
        {
            "area_code": np.array(codes, dtype=object)[a],
            "area_name": names[a],
            "year": np.array(years)[t],
            "stream": np.array(streams, dtype=object)[s],
            "budget": np.array([sc.streams[st].budget for st in streams], dtype=object)[s],
            "amount_gbp": amount,
            "per_head_gbp": amount / inputs.population[a],
        }
    ).sort_values(["area_code", "year", "stream"], ignore_index=True)
    targets = pd.DataFrame(
        {
            "area_code": np.repeat(codes, len(years)),
            "year": np.tile(years, len(codes)),
            "formula_target_gbp": inputs.formula_target.sum(axis=2).ravel(),
            "phased_target_gbp": inputs.phased_target.sum(axis=2).ravel(),
            "formula_allocation_gbp": np.round(x_formula.sum(axis=2), 2).ravel(),
        }
    )
    areas = inputs.areas.copy()
    areas.index.name = "area_code"
    settlement = Settlement(
        scenario=sc,
        areas=areas,
        allocations=allocations,
        baseline=geography.baseline,
        own_resources=geography.own_resources,
        adjacency=inputs.adjacency,
        targets=targets,
    )
    opt, formula = value(inputs, x), value(inputs, x_formula)
    settlement.outcomes = outcomes_table(inputs, opt)
    settlement.value = pd.DataFrame(
        {
            "area_code": np.repeat(codes, len(inputs.missions)),
            "mission": np.tile(inputs.missions, len(codes)),
            "value": opt.by_area_mission.ravel(),
            "formula_value": formula.by_area_mission.ravel(),
        }
    )
    if geography.geometry is not None:
        settlement.geometry = geography.geometry.reindex(codes)
    settlement.shadow_prices = shadow_prices(rows)
    settlement.binding = binding(rows, settlement, inputs)
    settlement.summary = summary(settlement, inputs, geography, opt.total, formula.total, report, lp_rows)
    return settlement


def shadow_prices(rows: pd.DataFrame) -> pd.DataFrame:
    """Mission value per extra £1m: each national row (envelopes, multi-year totals, ring-fences), and
    the summed dual of each rule per year (what the rule costs, or buys, in mission value)."""
    cols = ["rule_id", "kind", "scope", "year", "budget", "stream", "value_per_gbp_m"]
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


def binding(rows: pd.DataFrame, settlement: Settlement, inputs: ModelInputs) -> pd.DataFrame:
    """Per area and year, the rules at their bound, and streams at their absorptive capacity."""
    cols = ["area_code", "year", "rule_id", "kind", "dual"]
    area_rows = rows[rows["area_code"].notna()]
    totals = settlement.area_year_totals()["amount_gbp"]
    keys = pd.MultiIndex.from_arrays(
        [area_rows["area_code"], pd.to_numeric(area_rows["year"]).fillna(-1).astype(int)],
        names=["area_code", "year"],
    )
    scale = totals.reindex(keys).fillna(0.0)
    tol = 1.0 + 1e-6 * np.abs(scale.to_numpy(dtype=float))
    at_bound = area_rows[np.abs(area_rows["slack_gbp"].to_numpy()) <= tol]
    out = at_bound[cols].copy()
    alloc = settlement.allocations
    zmax = alloc["stream"].map({s: inputs.scenario.streams[s].zmax_gbp_per_head for s in inputs.streams})
    full = alloc[alloc["per_head_gbp"] >= zmax - 1e-4]
    capacity = pd.DataFrame(
        {
            "area_code": full["area_code"],
            "year": full["year"],
            "rule_id": "capacity:" + full["stream"],
            "kind": "capacity",
            "dual": np.nan,
        }
    )
    out = pd.concat([out, capacity], ignore_index=True)
    out["year"] = pd.to_numeric(out["year"]).astype("Int64")  # a rule row may cover no single year
    return out.sort_values(["area_code", "year", "rule_id"], ignore_index=True)


def summary(
    settlement: Settlement,
    inputs: ModelInputs,
    geography: Geography,
    v: float,
    v_formula: float,
    report: SolveReport | None,
    lp_rows: int | None,
) -> dict[str, Any]:
    """What summary.json holds: totals, V against the formula's V, the rules that bind most, provenance."""
    sc = settlement.scenario
    alloc = settlement.allocations
    by_year_budget = alloc.groupby(["year", "budget"])["amount_gbp"].sum()
    value_by_mission = settlement.value.groupby("mission")[["value", "formula_value"]].sum()
    bind = settlement.binding
    top = (
        bind[bind["kind"] != "capacity"]
        .drop_duplicates(["rule_id", "area_code", "year"])
        .groupby(["rule_id", "kind"])
        .size()
        .sort_values(ascending=False)
        .head(10)
    )
    national = settlement.shadow_prices
    national = national[national["scope"] == "national row"]
    prov = sc.provenance
    hashes = dict(prov.file_hashes) if prov is not None else {}
    hashes.update(geography.sources)
    return {
        "scenario": sc.name,
        "objective": sc.objective.mode,
        "years": sc.years,
        "areas": len(inputs.codes),
        "integrated_areas": int(inputs.integrated.sum()),
        "totals_gbp": {
            str(y): {b: float(by_year_budget.get((y, b), 0.0)) for b in inputs.budgets} for y in inputs.years
        },
        "value": {
            "V": v,
            "V_formula": v_formula,
            "gain": v - v_formula,
            "gain_pct": (v - v_formula) / abs(v_formula) if v_formula else None,
            "by_mission": {
                k: {"V": float(r["value"]), "V_formula": float(r["formula_value"])}
                for k, r in value_by_mission.iterrows()
            },
        },
        "response_approximation": {
            "segments": sc.objective.segments,
            "max_error_gbp_per_head": float(inputs.approximation_error["max_error_gbp_per_head"].max()),
            "max_error_share": float(inputs.approximation_error["max_error_share"].max()),
        },
        "binding_most": [{"rule_id": r, "kind": k, "area_years": int(n)} for (r, k), n in top.items()],
        "shadow_prices": [
            {
                "rule_id": r.rule_id,
                "year": None if pd.isna(r.year) else int(r.year),
                "budget": r.budget,
                "value_per_gbp_m": float(r.value_per_gbp_m),
            }
            for r in national.itertuples()
        ],
        "solve": (report.as_dict() if report else {}) | {"lp_rows": lp_rows},
        "provenance": {
            "scenario": sc.resolved(),
            "sources": prov.as_dict() if prov is not None else {},
            "file_sha256": dict(sorted(hashes.items())),
            "versions": {
                p: _version(p) for p in ("allocator", "pulp", "highspy", "pandas", "geopandas", "pydantic")
            },
            "geography_notes": list(geography.notes),
            "attribution": list(sc.geography.attribution),
        },
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"
