"""What the report's pages share, computed once from a Settlement: per-area figures, national and
regional averages, neighbours, page file names and the maps' colour classes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from allocator.reports.html_kit import per_head, signed_pct
from allocator.reports.maps import Classes, classify
from allocator.settlement import Settlement
from allocator.units import fy


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


@dataclass
class ReportData:
    """A settlement's figures as the pages show them."""

    s: Settlement

    @cached_property
    def totals(self) -> pd.DataFrame:
        return self.s.area_year_totals()

    @property
    def years(self) -> list[int]:
        return self.s.years

    @cached_property
    def codes(self) -> list[str]:
        return list(self.s.areas.index)

    @cached_property
    def pages(self) -> dict[str, str]:
        return page_names(self.codes)

    def name(self, code: str) -> str:
        return str(self.s.areas.at[code, "area_name"])

    @cached_property
    def region_column(self) -> str | None:
        col = self.s.scenario.geography.region_column
        return col if col and col in self.s.areas.columns else None

    def region(self, code: str) -> str | None:
        if self.region_column is None:
            return None
        v = self.s.areas.at[code, self.region_column]
        return None if pd.isna(v) else str(v)

    @cached_property
    def per_area(self) -> pd.DataFrame:
        """One row per area: name, region, population, total over the years, £ per head a year (average),
        the last year's change against the baseline, integrated, and the rule kinds holding it."""
        t = self.totals
        a = self.s.areas
        total = t["amount_gbp"].groupby(level="area_code").sum().reindex(self.codes)
        last = t.xs(self.years[-1], level="year").reindex(self.codes)
        out = pd.DataFrame(index=pd.Index(self.codes, name="area_code"))
        out["area_name"] = a["area_name"].astype(str)
        out["region"] = a[self.region_column].astype("string") if self.region_column else pd.NA
        out["population"] = a["population"].astype(float)
        out["total_gbp"] = total
        out["per_head_gbp"] = total / len(self.years) / out["population"]
        out["last_gbp"] = last["amount_gbp"]
        out["baseline_gbp"] = last["baseline_gbp"]
        out["change_vs_baseline_pct"] = last["change_vs_baseline_pct"]
        out["integrated"] = a["integrated"].astype(bool)
        b = self.s.binding
        held = (
            b[b["kind"] != "capacity"].groupby("area_code")["kind"].agg(lambda k: sorted(set(k)))
            if b is not None and not b.empty
            else pd.Series(dtype=object)
        )
        out["held_by"] = [held.get(c, []) for c in self.codes]
        return out

    @cached_property
    def national_per_head(self) -> dict[int, float]:
        t = self.totals
        by_year = t.groupby(level="year")[["amount_gbp", "population"]].sum()
        return (by_year["amount_gbp"] / by_year["population"]).to_dict()

    @cached_property
    def region_per_head(self) -> pd.DataFrame:
        """£ per head by region (rows) and year (columns)."""
        if self.region_column is None:
            return pd.DataFrame()
        t = self.totals.reset_index()
        t["region"] = t["area_code"].map(self.per_area["region"])
        g = t.groupby(["region", "year"])[["amount_gbp", "population"]].sum()
        return (g["amount_gbp"] / g["population"]).unstack("year")

    @cached_property
    def neighbours(self) -> dict[str, list[str]]:
        adj = self.s.adjacency
        out: dict[str, set[str]] = {c: set() for c in self.codes}
        if adj is not None and not adj.empty:
            for a, b in zip(adj["area_code"], adj["neighbour_code"], strict=True):
                if a in out and b in out and a != b:
                    out[a].add(b)
                    out[b].add(a)
        return {c: sorted(v, key=lambda x: self.name(x).lower()) for c, v in out.items()}

    @cached_property
    def amount_wide(self) -> pd.DataFrame:
        """Total settlement, area_code x year."""
        return self.totals["amount_gbp"].unstack("year").reindex(self.codes)

    def group_per_head(self, codes: list[str]) -> dict[int, float]:
        """£ per head of a group of areas together, by year."""
        if not codes:
            return {}
        pop = float(self.s.areas["population"].reindex(codes).sum())
        return (self.amount_wide.loc[codes].sum() / pop).to_dict() if pop > 0 else {}

    # --- per-area slices of the settlement's tables, split once -------------------------------------

    @cached_property
    def amounts_by_area(self) -> dict[str, pd.DataFrame]:
        """Per area: amounts by year (rows) and stream (columns)."""
        return {c: g.droplevel("area_code") for c, g in self.s.amounts().groupby(level="area_code")}

    @cached_property
    def totals_by_area(self) -> dict[str, pd.DataFrame]:
        return {c: g.droplevel("area_code") for c, g in self.totals.groupby(level="area_code")}

    @cached_property
    def streams_by_area(self) -> dict[str, set[str]]:
        """Per area: the streams it is eligible for (those with an allocation row)."""
        a = self.s.allocations
        return {c: set(g) for c, g in a.groupby("area_code")["stream"]}

    @cached_property
    def waterfall_by_area(self) -> dict[str, pd.DataFrame]:
        """Per area: waterfall amounts by step_order (rows) and year (columns)."""
        w = self.s.waterfall()
        wide = w.pivot_table(
            index=["area_code", "step_order"], columns="year", values="amount_gbp", aggfunc="sum"
        )
        return {c: g.droplevel("area_code") for c, g in wide.groupby(level="area_code")}

    def _split(self, table: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
        if table is None or table.empty or "area_code" not in table:
            return {}
        return {c: g for c, g in table.groupby("area_code", sort=False)}

    @cached_property
    def outcomes_by_area(self) -> dict[str, pd.DataFrame]:
        return self._split(self.s.outcomes)

    @cached_property
    def value_by_area(self) -> dict[str, pd.DataFrame]:
        return self._split(self.s.value)

    @cached_property
    def binding_by_area(self) -> dict[str, pd.DataFrame]:
        return self._split(self.s.binding)

    @cached_property
    def per_head_classes(self) -> Classes:
        return classify(self.per_area["per_head_gbp"], diverging=False)

    @cached_property
    def change_classes(self) -> Classes:
        return classify(self.per_area["change_vs_baseline_pct"])

    def tooltip(self, code: str) -> str:
        r = self.per_area.loc[code]
        return (
            f"{r.area_name}: {per_head(r.per_head_gbp)} per head a year; "
            f"{signed_pct(r.change_vs_baseline_pct)} in {fy(self.years[-1])} against the baseline"
        )

    def year_range(self) -> str:
        return fy(self.years[0]) if len(self.years) == 1 else f"{fy(self.years[0])} to {fy(self.years[-1])}"

    @property
    def baseline_year(self) -> str:
        return fy(self.years[0] - 1)

    @cached_property
    def stream_order(self) -> list[str]:
        """Streams grouped by budget (resource first), in the scenario's order."""
        streams = self.s.scenario.streams
        return sorted(streams, key=lambda k: (streams[k].budget != "resource", list(streams).index(k)))

    def summary_value(self) -> dict[str, Any]:
        v = self.s.summary.get("value", {}) if self.s.summary else {}
        if not v and self.s.value is not None and not self.s.value.empty:
            vv, vf = float(self.s.value["value"].sum()), float(self.s.value["formula_value"].sum())
            v = {"V": vv, "V_formula": vf, "gain": vv - vf, "gain_pct": (vv - vf) / abs(vf) if vf else np.nan}
        return v
