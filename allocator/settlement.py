"""The settlement: tidy tables of one solved scenario, its independent verification, and totals.

Two frozen types, each complete when built:

- :class:`AllocationTables`: an allocation and what it is measured against (areas, baseline, own
  resources, targets, adjacency) with the totals every rule's ``check`` and ``explain`` read;
- :class:`Settlement`: those tables plus everything found from them (outcomes, mission value, shadow
  prices, binding rules, the verification, summary.json's content), built once by
  ``allocator.results.make_settlement`` or read back by ``allocator.run_folder.read_run``.

A ``Settlement`` holds only pandas tables plus the resolved scenario; every rule's ``check`` reads these
tables (never the LP). The run folder is its serialised form (``allocator.run_folder``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from allocator.attribution import waterfall
from allocator.schema import Scenario
from allocator.selectors import expand
from allocator.verify import is_verified, verify

if TYPE_CHECKING:
    import geopandas as gpd

    from allocator.summary import Summary


@dataclass(frozen=True, eq=False)
class AllocationTables:
    """An allocation and the tables it is measured against: what every rule's check reads.

    Tables (all keyed by ``area_code`` and, where they vary by it, ``year``):
        allocations: area_code, area_name, year, stream, budget, amount_gbp, per_head_gbp.
        areas: one row per area (index area_code): area_name, population, integrated, attributes.
        baseline: area_code, stream, amount_gbp (the year before the first).
        own_resources: area_code, year, amount_gbp, or None.
        adjacency: area_code, neighbour_code.
        targets: area_code, year, formula_target_gbp, phased_target_gbp, formula_allocation_gbp.
    """

    scenario: Scenario
    areas: pd.DataFrame
    allocations: pd.DataFrame
    baseline: pd.DataFrame
    own_resources: pd.DataFrame | None
    adjacency: pd.DataFrame
    targets: pd.DataFrame

    # --- what rule checks read ---------------------------------------------------------------------

    @property
    def years(self) -> list[int]:
        return list(self.scenario.years)

    @cached_property
    def inflation(self) -> dict[int, float]:
        return expand(self.scenario.inflation, self.years)

    def envelope(self, budget: str, year: int) -> float:
        return expand(self.scenario.envelopes[budget], self.years)[year]

    def baseline_totals(self) -> pd.Series:
        """Baseline total by area (the year before the first settlement year)."""
        totals = self.baseline.groupby("area_code")["amount_gbp"].sum()
        return totals.reindex(self.areas.index, fill_value=0.0)

    def baseline_shares(self) -> pd.DataFrame:
        """Each area's baseline share of its total by stream (area_code x stream)."""
        wide = self.baseline.pivot_table(
            index="area_code", columns="stream", values="amount_gbp", aggfunc="sum"
        )
        wide = wide.reindex(index=self.areas.index, columns=list(self.scenario.streams)).fillna(0.0)
        total = wide.sum(axis=1)
        return wide.div(total.where(total > 0), axis=0).fillna(0.0)

    def amounts(self) -> pd.DataFrame:
        """Allocations as a wide table: index (area_code, year), one column per stream (0 where none)."""
        wide = self.allocations.pivot_table(
            index=["area_code", "year"], columns="stream", values="amount_gbp", aggfunc="sum"
        )
        full = pd.MultiIndex.from_product([self.areas.index, self.years], names=["area_code", "year"])
        return wide.reindex(index=full, columns=list(self.scenario.streams)).fillna(0.0)

    def area_year_totals(self) -> pd.DataFrame:
        """Totals per area and year, index (area_code, year).

        Columns: amount_gbp, resource_gbp, capital_gbp, population, per_head_gbp, own_resources_gbp,
        spending_power_gbp, previous_gbp (baseline for the first year), previous_spending_power_gbp,
        change_gbp, change_pct, baseline_gbp, change_vs_baseline_pct, formula_target_gbp,
        phased_target_gbp, formula_allocation_gbp, integrated.
        """
        return self._area_year_totals

    @cached_property
    def _area_year_totals(self) -> pd.DataFrame:
        wide = self.amounts()
        budget_of = {s: spec.budget for s, spec in self.scenario.streams.items()}
        out = pd.DataFrame(index=wide.index)
        out["amount_gbp"] = wide.sum(axis=1)
        for b in ("resource", "capital"):
            cols = [s for s in wide.columns if budget_of[s] == b]
            out[f"{b}_gbp"] = wide[cols].sum(axis=1) if cols else 0.0
        codes = out.index.get_level_values("area_code")
        out["population"] = self.areas["population"].reindex(codes).to_numpy()
        out["per_head_gbp"] = out["amount_gbp"] / out["population"]
        own = pd.Series(0.0, index=out.index)
        own_prev_first = pd.Series(0.0, index=self.areas.index)
        if self.own_resources is not None:
            table = self.own_resources.set_index(["area_code", "year"])["amount_gbp"]
            own = table.reindex(out.index).fillna(0.0)
            before = self.years[0] - 1
            first = table.xs(before, level="year") if before in table.index.get_level_values("year") else None
            if first is None:
                first = table.xs(self.years[0], level="year")
            own_prev_first = first.reindex(self.areas.index).fillna(0.0)
        out["own_resources_gbp"] = own.to_numpy()
        out["spending_power_gbp"] = out["amount_gbp"] + out["own_resources_gbp"]
        base = self.baseline_totals()
        prev = out["amount_gbp"].groupby(level="area_code").shift(1)
        first = out.index.get_level_values("year") == self.years[0]
        prev[first] = base.reindex(codes[first]).to_numpy()
        out["previous_gbp"] = prev
        prev_own = out["own_resources_gbp"].groupby(level="area_code").shift(1)
        prev_own[first] = own_prev_first.reindex(codes[first]).to_numpy()
        out["previous_spending_power_gbp"] = out["previous_gbp"] + prev_own
        out["change_gbp"] = out["amount_gbp"] - out["previous_gbp"]
        out["change_pct"] = out["change_gbp"] / out["previous_gbp"].where(out["previous_gbp"] > 0)
        out["baseline_gbp"] = base.reindex(codes).to_numpy()
        out["change_vs_baseline_pct"] = (
            out["amount_gbp"] / out["baseline_gbp"].where(out["baseline_gbp"] > 0) - 1
        )
        targets = self.targets.set_index(["area_code", "year"]).reindex(out.index)
        for col in ("formula_target_gbp", "phased_target_gbp", "formula_allocation_gbp"):
            out[col] = targets[col].to_numpy() if col in targets else float("nan")
        out["integrated"] = self.areas["integrated"].reindex(codes).to_numpy()
        return out


@dataclass(frozen=True, eq=False)
class Settlement(AllocationTables):
    """One scenario's settlement: its allocation tables and everything found from them.

    Tables, beside those of :class:`AllocationTables`:
        outcomes: area_code, year, mission, indicator, current_value, projected_change, projected_value.
        value: area_code, mission, value, formula_value (mission value by area and mission).
        shadow_prices: rule_id, kind, scope, year, budget, value_per_gbp_m.
        binding: area_code, year, rule_id, kind, dual (the rules at their bound).
        verification: rule_id, kind, mode, checked, violations, max_violation_gbp, worst, passed (every
            rule's independent check of these tables, ``allocator.verify``).
        summary: totals, V, V of the formula allocation, provenance (what summary.json holds).
    """

    outcomes: pd.DataFrame
    value: pd.DataFrame
    shadow_prices: pd.DataFrame
    binding: pd.DataFrame
    verification: pd.DataFrame
    summary: Summary
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds each step took (load_s, build_s, solve_s, formula_s, tables_s); vary run to run."""
    geometry: gpd.GeoSeries | None = None
    """Area polygons (GeoSeries in EPSG:27700 indexed by area_code) for maps and the GeoPackage; None when
    the settlement was built without them. Never used by the model or the checks."""

    @classmethod
    def from_tables(
        cls,
        tables: AllocationTables,
        *,
        outcomes: pd.DataFrame,
        value: pd.DataFrame,
        shadow_prices: pd.DataFrame,
        binding: pd.DataFrame,
        verification: pd.DataFrame,
        summary: Summary,
        timings: dict[str, float],
        geometry: gpd.GeoSeries | None,
    ) -> Settlement:
        """The settlement of ``tables`` with what was found from them (the totals already computed from
        ``tables`` are kept, not computed again)."""
        settlement = cls(
            **{f.name: getattr(tables, f.name) for f in fields(AllocationTables)},
            outcomes=outcomes,
            value=value,
            shadow_prices=shadow_prices,
            binding=binding,
            verification=verification,
            summary=summary,
            timings=timings,
            geometry=geometry,
        )
        if "_area_year_totals" in tables.__dict__:  # a cached_property's value: same tables, same totals
            settlement.__dict__["_area_year_totals"] = tables.__dict__["_area_year_totals"]
        return settlement

    def verify(self) -> pd.DataFrame:
        """Run every rule's independent check on these tables again; returns a fresh verification table
        (``verification`` holds the one made when the settlement was built)."""
        return verify(self)

    @property
    def verified(self) -> bool:
        """Whether every hard rule passed its check when the settlement was built."""
        return is_verified(self.verification)

    def totals(self, by: list[str] | str = "year") -> pd.DataFrame:
        """Allocations summed by any of area_code, year, stream, budget."""
        by = [by] if isinstance(by, str) else list(by)
        return self.allocations.groupby(by, as_index=True)["amount_gbp"].sum().to_frame()

    def duals(self, by: str = "rule_id") -> pd.DataFrame:
        """Shadow prices (mission value per extra £1m) summed by rule_id (and year)."""
        sp = self.shadow_prices
        if sp.empty:
            return sp
        family = sp[sp["scope"] == "rule per year"]  # national rows are already in their rule's sum
        return family.groupby([by, "year"], dropna=False)["value_per_gbp_m"].sum().to_frame()

    def waterfall(self) -> pd.DataFrame:
        """Per area and year: baseline -> formula target -> phasing -> rules -> optimisation."""
        return waterfall(self.area_year_totals())
