"""summary.json: what a run found, in one small file (totals, V against the formula's V, the rules that
bind most, national shadow prices, how it was solved, the verification and the provenance).

Built once from a settlement's finished tables (``summary``); a run folder's copy is read back as the same
mapping. The key order is part of the output (the file is byte-identical run to run).
"""

from __future__ import annotations

from importlib import metadata
from typing import NotRequired, TypedDict

import pandas as pd

from allocator.geography import Geography
from allocator.model.inputs import ModelInputs
from allocator.schema import Scenario
from allocator.verify import failed, is_verified
from allocator.yamlio import YamlData

VERSIONED = ("allocator", "pulp", "highspy", "pandas", "geopandas", "pydantic")
"""Packages whose versions go into the provenance."""


class ValueSummary(TypedDict):
    V: float
    V_formula: float
    gain: float
    gain_pct: float | None
    by_mission: dict[str, dict[str, float]]


class VerificationSummary(TypedDict):
    passed: bool
    rules_checked: int
    failed: list[str]


class LeastCost(TypedDict):
    """What a ``least_cost`` solve found (``allocator.whatif.least_cost``)."""

    scale: float
    """The common factor of the scenario's envelopes that just meets every goal."""
    infeasible_below: float
    """The largest factor tried that met no goal-meeting settlement (the bisection's lower end)."""
    envelopes: dict[str, YamlData]
    """The envelopes at ``scale``, by budget, as in a scenario file."""
    goals: list[str]
    """The missions whose goals were held."""


class Summary(TypedDict):
    """The content of summary.json, in its key order."""

    scenario: str
    objective: str
    years: list[int]
    areas: int
    integrated_areas: int
    totals_gbp: dict[str, dict[str, float]]
    """By year (as text) and budget."""
    value: ValueSummary
    response_approximation: dict[str, float]
    binding_most: list[dict[str, str | int]]
    shadow_prices: list[dict[str, str | int | float | None]]
    solve: dict[str, str | float | int | None]
    """The solve report (status, objective, solver, version, algorithm), lp_rows and formula_method."""
    provenance: dict[str, YamlData]
    """The resolved scenario (any YAML), its sources, file hashes, package versions, notes, attribution."""
    verification: VerificationSummary
    least_cost: NotRequired[LeastCost]
    """Only for a ``least_cost`` scenario: the least envelope found."""


def summary(
    scenario: Scenario,
    inputs: ModelInputs,
    geography: Geography,
    *,
    allocations: pd.DataFrame,
    value: pd.DataFrame,
    binding: pd.DataFrame,
    shadow_prices: pd.DataFrame,
    verification: pd.DataFrame,
    v: float,
    v_formula: float,
    solve: dict[str, str | float | int | None],
) -> Summary:
    """What summary.json holds, from a settlement's tables (named as the Settlement's fields)."""
    sc = scenario
    by_year_budget = allocations.groupby(["year", "budget"])["amount_gbp"].sum()
    value_by_mission = value.groupby("mission")[["value", "formula_value"]].sum()
    top = (
        binding[binding["kind"] != "capacity"]
        .drop_duplicates(["rule_id", "area_code", "year"])
        .groupby(["rule_id", "kind"])
        .size()
        .sort_values(ascending=False)
        .head(10)
    )
    national = shadow_prices[shadow_prices["scope"] == "national row"]
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
        "solve": solve,
        "provenance": {
            "scenario": sc.resolved(),
            "sources": prov.as_dict() if prov is not None else {},
            "file_sha256": dict(sorted(hashes.items())),
            "versions": {p: _version(p) for p in VERSIONED},
            "geography_notes": list(geography.notes),
            "attribution": list(sc.geography.attribution),
        },
        "verification": {
            "passed": is_verified(verification),
            "rules_checked": len(verification),
            "failed": failed(verification),
        },
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"
