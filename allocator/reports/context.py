"""What every report of a settlement shares, computed once: per-area figures as arrays (no lookups in a
loop), cash and real terms, national, regional and neighbours' averages, similar councils, published
figures, what the run was asked, and the rules holding each area.

``ReportContext(settlement)`` is built once per report; ``allocator.reports.area_view.area_view`` reads
one area's page from it, for the HTML explorer, ``allocator inspect`` and the workbook alike.

Cash and real terms: the scenario's ``amounts`` say which its figures are, and ``inflation`` (the GDP
deflator's growth each year) converts: with the price index ``I_t = prod_{u <= t} (1 + infl_u)`` (1 in
the baseline year), cash = real x I_t. Real terms are in the prices of the baseline year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.reports import words
from allocator.reports.asked import Asked, asked
from allocator.reports.maps import Classes, classify
from allocator.reports.similar import Similar, similar_areas
from allocator.selectors import Dated, expand
from allocator.units import fy, fy_range

if TYPE_CHECKING:
    from allocator.schema import FactSpec
    from allocator.settlement import Settlement


def page_names(codes: list[str]) -> dict[str, str]:
    """A file name for each area's page: its code, made safe for a file name, unique."""
    out, used = {}, set()
    for code in codes:
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", str(code)).strip(".") or "area"
        name, i = stem, 1
        while name.lower() in used:
            i += 1
            name = f"{stem}-{i}"
        used.add(name.lower())
        out[code] = f"{name}.html"
    return out


def price_index(years: list[int], inflation: Dated) -> np.ndarray:
    """``I_t`` for each settlement year: the price level against the baseline year (the year before)."""
    rates = expand(inflation, years)
    return np.cumprod([1.0 + rates.get(y, 0.0) for y in years])


@dataclass(frozen=True)
class Fact:
    """A published figure the scenario shows per area (``geography.facts``)."""

    column: str
    label: str
    unit: str
    source: str


class ReportContext:
    """A settlement's figures as the reports show them. Arrays are (areas, years) in the order of
    ``codes`` and ``years``; amounts are in the scenario's terms unless named cash or real."""

    def __init__(self, s: Settlement):
        self.s = s
        self.scenario = s.scenario
        self.years: list[int] = list(s.years)
        self.codes: list[str] = [str(c) for c in s.areas.index]
        self.index: dict[str, int] = {c: i for i, c in enumerate(self.codes)}
        self.names: dict[str, str] = dict(zip(self.codes, s.areas["area_name"].astype(str), strict=True))
        self.population = s.areas["population"].to_numpy(dtype=float)
        self.integrated = s.areas["integrated"].astype(bool).to_numpy()
        t = s.area_year_totals()

        def wide(column: str) -> np.ndarray:
            return (
                t[column].unstack("year").reindex(index=self.codes, columns=self.years).to_numpy(dtype=float)
            )

        self.amount = wide("amount_gbp")
        self.per_head = wide("per_head_gbp")
        self.change_gbp = wide("change_gbp")
        self.change_pct = wide("change_pct")
        self.vs_base_pct = wide("change_vs_baseline_pct")
        self.own = wide("own_resources_gbp")
        self.formula_target = wide("formula_target_gbp")
        self.phased_target = wide("phased_target_gbp")
        self.formula_allocation = wide("formula_allocation_gbp")
        self.baseline = s.baseline_totals().reindex(self.codes).to_numpy(dtype=float)

    # --- names and places ------------------------------------------------------------------------

    @cached_property
    def pages(self) -> dict[str, str]:
        return page_names(self.codes)

    def name(self, code: str) -> str:
        return self.names[code]

    @cached_property
    def asked(self) -> Asked:
        return asked(self.s)

    @cached_property
    def attribution(self) -> list[str]:
        prov = (self.s.summary or {}).get("provenance") or {}
        return [str(a) for a in prov.get("attribution") or self.scenario.geography.attribution]

    @cached_property
    def region_column(self) -> str | None:
        col = self.scenario.geography.region_column
        return col if col and col in self.s.areas.columns else None

    @cached_property
    def regions(self) -> dict[str, str | None]:
        if self.region_column is None:
            return dict.fromkeys(self.codes)
        values = self.s.areas[self.region_column]
        return {c: (None if pd.isna(v) else str(v)) for c, v in zip(self.codes, values, strict=True)}

    def region(self, code: str) -> str | None:
        return self.regions[code]

    @cached_property
    def tiers(self) -> dict[str, str | None]:
        col = self.scenario.geography.tier_column
        if col not in self.s.areas.columns:
            return dict.fromkeys(self.codes)
        return {
            c: (None if pd.isna(v) else str(v)) for c, v in zip(self.codes, self.s.areas[col], strict=True)
        }

    @cached_property
    def neighbours(self) -> dict[str, list[str]]:
        adj = self.s.adjacency
        out: dict[str, set[str]] = {c: set() for c in self.codes}
        if adj is not None and not adj.empty:
            for a, b in zip(adj["area_code"].astype(str), adj["neighbour_code"].astype(str), strict=True):
                if a in out and b in out and a != b:
                    out[a].add(b)
                    out[b].add(a)
        return {c: sorted(v, key=lambda x: self.names[x].lower()) for c, v in out.items()}

    @cached_property
    def similar(self) -> Similar:
        indicators = [m.indicator for m in self.scenario.missions.values()]
        tier = self.scenario.geography.tier_column
        return similar_areas(self.s.areas, indicators, "population", tier)

    @cached_property
    def facts(self) -> list[Fact]:
        specs: dict[str, FactSpec] = self.scenario.geography.facts
        return [Fact(c, f.label, f.unit, f.source) for c, f in specs.items() if c in self.s.areas.columns]

    def fact_values(self, code: str) -> list[tuple[Fact, Any]]:
        return [(f, self.s.areas.at[code, f.column]) for f in self.facts]

    # --- money ---------------------------------------------------------------------------------------

    @cached_property
    def index_t(self) -> np.ndarray:
        """Price index of each settlement year against the baseline year."""
        return price_index(self.years, self.scenario.inflation)

    @property
    def in_real_terms(self) -> bool:
        return self.scenario.amounts == "real"

    def cash(self, amounts: np.ndarray) -> np.ndarray:
        """Amounts (areas x years, or years) in cash."""
        return amounts * self.index_t if self.in_real_terms else amounts

    def real(self, amounts: np.ndarray) -> np.ndarray:
        """Amounts in real terms (prices of the baseline year)."""
        return amounts if self.in_real_terms else amounts / self.index_t

    @property
    def baseline_year(self) -> str:
        return fy(self.years[0] - 1)

    @property
    def real_terms_label(self) -> str:
        return f"real terms ({self.baseline_year} prices)"

    def year_range(self) -> str:
        return fy_range(self.years)

    # --- streams -------------------------------------------------------------------------------------

    @cached_property
    def stream_order(self) -> list[str]:
        """Streams grouped by budget (resource first), in the scenario's order."""
        streams = self.scenario.streams
        return sorted(streams, key=lambda k: (streams[k].budget != "resource", list(streams).index(k)))

    @cached_property
    def stream_amounts(self) -> np.ndarray:
        """Amounts by area, year and stream (in ``stream_order``)."""
        wide = self.s.amounts().reindex(columns=self.stream_order)
        return wide.to_numpy(dtype=float).reshape(len(self.codes), len(self.years), len(self.stream_order))

    @cached_property
    def eligible(self) -> dict[str, set[str]]:
        """Per area: the streams it is eligible for (those with an allocation row)."""
        a = self.s.allocations
        return {str(c): set(g) for c, g in a.groupby("area_code")["stream"]}

    # --- averages ------------------------------------------------------------------------------------

    def group_per_head(self, codes: list[str]) -> np.ndarray | None:
        """£ per head of a group of areas together, by year (None for an empty group)."""
        rows = [self.index[c] for c in codes if c in self.index]
        pop = float(self.population[rows].sum()) if rows else 0.0
        return self.amount[rows].sum(axis=0) / pop if pop > 0 else None

    @cached_property
    def national_per_head(self) -> np.ndarray:
        return self.amount.sum(axis=0) / self.population.sum()

    @cached_property
    def region_per_head(self) -> dict[str, np.ndarray]:
        out: dict[str, list[str]] = {}
        for code, region in self.regions.items():
            if region is not None:
                out.setdefault(region, []).append(code)
        return {r: v for r, codes in out.items() if (v := self.group_per_head(codes)) is not None}

    # --- one table per area, split once --------------------------------------------------------------

    @cached_property
    def per_area(self) -> pd.DataFrame:
        """One row per area: name, region, population, total over the years, £ per head a year (average),
        the last year's amount, baseline, change against the baseline (as set and in real terms),
        integrated, and the rule kinds holding it."""
        out = pd.DataFrame(index=pd.Index(self.codes, name="area_code"))
        out["area_name"] = [self.names[c] for c in self.codes]
        out["region"] = [self.regions[c] for c in self.codes]
        out["population"] = self.population
        out["total_gbp"] = self.amount.sum(axis=1)
        out["per_head_gbp"] = out["total_gbp"] / len(self.years) / self.population
        out["last_gbp"] = self.amount[:, -1]
        out["baseline_gbp"] = self.baseline
        out["change_vs_baseline_pct"] = self.vs_base_pct[:, -1]
        base = np.where(self.baseline > 0, self.baseline, np.nan)
        out["real_change_vs_baseline_pct"] = self.real(self.amount)[:, -1] / base - 1
        out["integrated"] = self.integrated
        out["held_by"] = [
            sorted({h.kind for h in self.holdings.get(c, []) if h.kind != words.CAPACITY}) for c in self.codes
        ]
        return out

    @cached_property
    def holdings(self) -> dict[str, list[words.Holding]]:
        return words.holdings_by_area(self.s.binding, self.scenario, set(self.asked.changed_rules))

    @cached_property
    def waterfall(self) -> np.ndarray:
        """Per area: the five steps (baseline, formula target, after phasing, after the rules, settlement)
        by year: shape (areas, 5, years)."""
        base = np.repeat(self.baseline[:, None], len(self.years), axis=1)
        steps = [base, self.formula_target, self.phased_target, self.formula_allocation, self.amount]
        return np.stack(steps, axis=1)

    @cached_property
    def missions(self) -> list[str]:
        present = set(self.s.outcomes["mission"]) if not self.s.outcomes.empty else set()
        return [m for m in self.scenario.missions if m in present]

    @cached_property
    def outcomes(self) -> dict[str, np.ndarray]:
        """``current`` (areas x missions), ``change`` and ``projected`` (areas x years x missions)."""
        o = self.s.outcomes
        n, t, m = len(self.codes), len(self.years), len(self.missions)
        if o.empty or not m:
            return {
                "current": np.full((n, m), np.nan),
                "change": np.full((n, t, m), np.nan),
                "projected": np.full((n, t, m), np.nan),
            }
        full = pd.MultiIndex.from_product([self.codes, self.years, self.missions])
        o = o.set_index(["area_code", "year", "mission"]).reindex(full)
        change = o["projected_change"].to_numpy(dtype=float).reshape(n, t, m)
        projected = o["projected_value"].to_numpy(dtype=float).reshape(n, t, m)
        current = o["current_value"].to_numpy(dtype=float).reshape(n, t, m)[:, 0, :]
        return {"current": current, "change": change, "projected": projected}

    @cached_property
    def value(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Mission value by area and mission (in ``missions``): this settlement's and the formula's."""
        v = self.s.value
        if v is None or v.empty:
            return None
        full = pd.MultiIndex.from_product([self.codes, self.missions])
        v = v.set_index(["area_code", "mission"]).reindex(full)
        shape = (len(self.codes), len(self.missions))
        return v["value"].to_numpy(dtype=float).reshape(shape), v["formula_value"].to_numpy(
            dtype=float
        ).reshape(shape)

    @cached_property
    def per_head_classes(self) -> Classes:
        """Colour classes of £ per head a year, shared by the national map and every area map."""
        return classify(self.per_area["per_head_gbp"], diverging=False, step=1.0)  # whole pounds

    @cached_property
    def change_digits(self) -> int:
        """Decimals of the change map's percentages: one when the changes span less than 6 points."""
        v = self.per_area["change_vs_baseline_pct"].replace([np.inf, -np.inf], np.nan).dropna()
        return 1 if len(v) and float(v.max() - v.min()) < 0.06 else 0

    @cached_property
    def change_classes(self) -> Classes:
        return classify(self.per_area["change_vs_baseline_pct"], step=10.0 ** -(self.change_digits + 2))

    def summary_value(self) -> dict[str, Any]:
        v = self.s.summary.get("value", {}) if self.s.summary else {}
        if not v and self.s.value is not None and not self.s.value.empty:
            vv, vf = float(self.s.value["value"].sum()), float(self.s.value["formula_value"].sum())
            v = {"V": vv, "V_formula": vf, "gain": vv - vf, "gain_pct": (vv - vf) / abs(vf) if vf else np.nan}
        return v
