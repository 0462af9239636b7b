"""A SettlementSet: the settlements of a sweep's variants side by side, every table with a ``variant`` column.

``summary()`` has one row per variant: the varied keys' values, the status, V and the formula allocation's
V, totals, how unequal the settlement is (the ratio of the highest to the lowest £ per head, the areas
below their formula target), the rules holding areas at their bound and the national shadow prices.
``variants()`` has the overrides that make each variant. ``base`` is the same summary of the scenario as
shipped (the point trade-off curves mark).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from allocator.schema import Scenario
from allocator.whatif.variants import Variant, VarySpec

LEAN_TABLES = ("totals", "value", "area_totals", "shadow_prices", "binding")
"""The tidy tables every sweep has (``full`` sweeps add allocations, area_year_totals, outcomes and
verification)."""


@dataclass
class SettlementSet:
    """The variants of one sweep of ``scenario``, and what each one's settlement is."""

    scenario: Scenario
    vary: dict[str, VarySpec]
    combine: str
    variant_list: list[Variant]
    results: dict[int, dict[str, Any]]
    """Variant id -> its lean result (``allocator.whatif.lean``)."""
    base: dict[str, Any]
    """The lean result of the scenario as shipped."""
    codes: list[str]
    names: list[str]
    """Each area's name, in the order of ``codes``."""
    population: np.ndarray
    formula_target: np.ndarray
    """Each area's formula target over the settlement's years, £ (the shipped scenario's)."""
    full: dict[str, pd.DataFrame] = field(default_factory=dict)
    """A full sweep's tables (allocations, area_year_totals, outcomes, verification), with ``variant``."""
    current: pd.DataFrame | None = None
    """Each area's current value of each mission's indicator (index area_code, a column per mission)."""
    samples: bool = False
    """The variants are draws of the scenario's uncertainty (``allocator.whatif.uncertainty``)."""

    # --- the tables ---------------------------------------------------------------------------------

    def variants(self) -> pd.DataFrame:
        """One row per variant: each varied key's value (as given) and the overrides, as ``--set`` text."""
        rows = []
        for v in self.variant_list:
            text = "; ".join(f"{k}={_short(x)}" for k, x in v.overrides.items())
            rows.append({"variant": v.id, **v.values, "overrides": text})
        return pd.DataFrame(rows).set_index("variant")

    def summary(self) -> pd.DataFrame:
        """One row per variant (index ``variant``); see the module docstring."""
        rows = [self._summary_row(v.values, self.results.get(v.id, {})) for v in self.variant_list]
        out = pd.DataFrame(rows, index=pd.Index([v.id for v in self.variant_list], name="variant"))
        return out

    def base_summary(self) -> pd.Series:
        """The summary row of the scenario as shipped (the varied keys at its own values)."""
        return pd.Series(self._summary_row({}, self.base))

    def _summary_row(self, values: dict[str, float], r: dict[str, Any]) -> dict[str, Any]:
        years, budgets = list(self.scenario.years), self.scenario.budgets
        row: dict[str, Any] = {**values, "status": r.get("status", "missing")}
        feasible = "V" in r
        row["V"] = r["V"] if feasible else np.nan
        vf = r.get("V_formula")
        row["V_formula"] = vf if vf is not None else np.nan
        row["gain"] = row["V"] - row["V_formula"]
        totals = np.asarray(r["totals_gbp"]) if feasible else np.full((len(budgets), len(years)), np.nan)
        row["total_gbp"] = float(totals.sum())
        for i, b in enumerate(budgets):
            row[f"{b}_gbp"] = float(totals[i].sum())
        row["per_head_ratio"] = r.get("per_head_ratio", np.nan) if feasible else np.nan
        row["areas_below_formula_target"] = r.get("areas_below_formula_target", np.nan)
        row["binding_rules"] = "; ".join(f"{rule} ({n})" for rule, _, n in r.get("binding", []))
        for rule_id, _, scope, year, *_rest, price in r.get("shadow_prices", []):
            if scope == "national row":
                row[f"price__{rule_id}" + (f"__{year}" if year is not None else "")] = price
        row["warm"] = r.get("warm")
        row["seconds"] = r.get("seconds", np.nan)
        row["message"] = r.get("message", "")
        return row

    def _long(self, build) -> pd.DataFrame:
        parts = [build(v, self.results[v]) for v in sorted(self.results) if "V" in self.results[v]]
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @property
    def totals(self) -> pd.DataFrame:
        """variant, year, budget, amount_gbp."""
        years, budgets = list(self.scenario.years), self.scenario.budgets

        def one(v: int, r: dict[str, Any]) -> pd.DataFrame:
            t = np.asarray(r["totals_gbp"])
            return pd.DataFrame(
                {
                    "variant": v,
                    "year": np.tile(years, len(budgets)),
                    "budget": np.repeat(budgets, len(years)),
                    "amount_gbp": t.ravel(),
                }
            )

        return self._long(one)

    @property
    def value(self) -> pd.DataFrame:
        """variant, mission, value, formula_value (mission value by mission)."""
        missions = list(self.scenario.missions)

        def one(v: int, r: dict[str, Any]) -> pd.DataFrame:
            formula = r.get("formula_value_by_mission") or [np.nan] * len(missions)
            return pd.DataFrame(
                {"variant": v, "mission": missions, "value": r["value_by_mission"], "formula_value": formula}
            )

        return self._long(one)

    @property
    def area_totals(self) -> pd.DataFrame:
        """variant, area_code, amount_gbp (over the years), per_head_gbp (a year), formula_target_gbp,
        formula_allocation_gbp (over the years)."""
        n_years = len(self.scenario.years)

        def one(v: int, r: dict[str, Any]) -> pd.DataFrame:
            amount = np.asarray(r["area_total_gbp"])
            formula = r.get("formula_allocation_gbp")
            return pd.DataFrame(
                {
                    "variant": v,
                    "area_code": self.codes,
                    "amount_gbp": amount,
                    "per_head_gbp": amount / self.population / n_years,
                    "formula_target_gbp": self.formula_target,
                    "formula_allocation_gbp": formula if formula is not None else np.nan,
                }
            )

        return self._long(one)

    @property
    def shadow_prices(self) -> pd.DataFrame:
        """variant, rule_id, kind, scope, year, budget, stream, value_per_gbp_m (as a Settlement's)."""
        cols = ["rule_id", "kind", "scope", "year", "budget", "stream", "value_per_gbp_m"]

        def one(v: int, r: dict[str, Any]) -> pd.DataFrame:
            frame = pd.DataFrame(r.get("shadow_prices", []), columns=cols)
            frame.insert(0, "variant", v)
            frame["year"] = frame["year"].astype("Int64")
            return frame

        return self._long(one)

    @property
    def binding(self) -> pd.DataFrame:
        """variant, rule_id, kind, area_years (how many of the rule's area rows are at their bound)."""

        def one(v: int, r: dict[str, Any]) -> pd.DataFrame:
            frame = pd.DataFrame(r.get("binding", []), columns=["rule_id", "kind", "area_years"])
            frame.insert(0, "variant", v)
            return frame

        return self._long(one)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every tidy table of the sweep, by name (each with a ``variant`` column)."""
        out = {
            "summary": self.summary().reset_index(),
            "variants": self.variants().reset_index(),
        }
        out |= {name: getattr(self, name) for name in LEAN_TABLES}
        if self.samples:
            out |= {"draws": self.draws(), "outcome_intervals": self.outcome_intervals()}
        return out | self.full

    def draws(self) -> pd.DataFrame:
        """A sample sweep: one row per draw: V of the chosen (shipped) settlement under it, the draw's own
        optimum V and the regret (see ``allocator.whatif.uncertainty``)."""
        from allocator.whatif.uncertainty import draw_table

        return draw_table(self)

    def outcome_intervals(self) -> pd.DataFrame:
        """A sample sweep: per area and mission, the projected indicator in the last year under the chosen
        settlement, with its 5th, 50th and 95th percentiles over the draws."""
        from allocator.whatif.uncertainty import outcome_intervals

        return outcome_intervals(self, self.current)


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return f"{value:.10g}" if isinstance(value, float) else str(value)
