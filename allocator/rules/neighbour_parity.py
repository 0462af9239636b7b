"""Areas that share a boundary differ in £ per head by at most tau times the national £ per head."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import dated, expand
from allocator.units import fy, money, pct

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class NeighbourParitySpec(RuleSpec):
    """Areas that share a boundary differ in £ per head by at most tau times the national £ per head."""

    kind: Literal["neighbour_parity"] = "neighbour_parity"
    tau: dated(ge=0.0, le=100.0) = Field(0.5)
    """Largest per-head gap between neighbours, as a share of the national £ per head, in [0, 100]."""


def neighbour_pairs(adjacency: pd.DataFrame, covered: Iterable[str]) -> list[tuple[str, str]]:
    """Adjacent pairs (a, b), a < b, with both areas covered; each pair once, sorted."""
    covered = set(covered)
    pairs = {
        (min(a, b), max(a, b))
        for a, b in zip(adjacency["area_code"], adjacency["neighbour_code"], strict=True)
        if a in covered and b in covered and a != b
    }
    return sorted(pairs)


@register
class NeighbourParity(RuleKind[NeighbourParitySpec]):
    """Neighbour parity: areas across a boundary are funded alike per head (no cliff edge at the border).

    Math:
        X[a, t] / p_a - X[b, t] / p_b <= tau_t N_t / P   and   X[b, t] / p_b - X[a, t] / p_a <= tau_t N_t / P
        for each pair (a, b) of covered areas that share a boundary and each covered year t, where
        N_t = sum_a' X[a', t] is the national total and P = sum_a' p_a' the population of all areas.
        Each row is multiplied through by the population of the area on its larger side, so it reads in
        £ of that area's total: X[a, t] - (p_a / p_b) X[b, t] - tau_t (p_a / P) N_t <= 0.
    """

    spec_model: ClassVar = NeighbourParitySpec

    def add(self, m: ModelBuilder) -> None:
        t = m.year_indices(self)
        people = float(m.inputs.population.sum())
        index = m.inputs.index()
        pairs = neighbour_pairs(m.inputs.adjacency, m.areas_for(self))
        ia = np.array([index[a] for a, _ in pairs], dtype=np.int64)
        ib = np.array([index[b] for _, b in pairs], dtype=np.int64)
        pa, pb = m.population(ia), m.population(ib)
        ok = (pa > 0) & (pb > 0)
        ia, ib, pa, pb = ia[ok], ib[ok], pa[ok], pb[ok]
        tt, pair = np.repeat(t, len(ia)), np.tile(np.arange(len(ia)), len(t))
        a, b, pa, pb = ia[pair], ib[pair], pa[pair], pb[pair]
        tau = m.dated(self.spec.tau, tt)
        xa, xb, national = m.total(a, tt), m.total(b, tt), m.national_total(tt)
        year = m.year(tt)
        up = xa - xb * (pa / pb) - national * (tau * pa / people)
        down = xb - xa * (pb / pa) - national * (tau * pb / people)
        key = (m.code(a), m.code(b), year)
        m.constrain(self, (*key, "up"), up, "<=", 0.0, area=a, year=year)
        m.constrain(self, (*key, "down"), down, "<=", 0.0, area=b, year=year)

    def _gaps(self, settlement: AllocationTables) -> pd.DataFrame:
        """Per covered pair and year: the per-head gap, the national £ per head, and the population and
        total of the area on the larger side. Index (area_code, neighbour_code, year)."""
        totals = settlement.area_year_totals()
        years = self.covered_years(settlement.years)
        national = totals["amount_gbp"].groupby(level="year").sum() / settlement.areas["population"].sum()
        pairs = neighbour_pairs(settlement.adjacency, self.covered_areas(settlement.areas))
        index = pd.MultiIndex.from_tuples(
            [(a, b, y) for a, b in pairs for y in years], names=["area_code", "neighbour_code", "year"]
        )
        year = index.get_level_values("year")
        side_a = totals.reindex(pd.MultiIndex.from_arrays([index.get_level_values(0), year]))
        side_b = totals.reindex(pd.MultiIndex.from_arrays([index.get_level_values(1), year]))
        a_larger = side_a["per_head_gbp"].to_numpy() >= side_b["per_head_gbp"].to_numpy()
        out = pd.DataFrame(
            {
                "gap": np.abs(side_a["per_head_gbp"].to_numpy() - side_b["per_head_gbp"].to_numpy()),
                "national": national.reindex(year).to_numpy(),
                "population": np.where(a_larger, side_a["population"], side_b["population"]),
                "total": np.where(a_larger, side_a["amount_gbp"], side_b["amount_gbp"]),
            },
            index=index,
        )
        both = (side_a["population"].to_numpy() > 0) & (side_b["population"].to_numpy() > 0)
        return out[both]

    def check(self, settlement: AllocationTables) -> RuleCheck:
        gaps = self._gaps(settlement)
        tau = expand(self.spec.tau, settlement.years)
        limit = gaps["national"] * np.array([tau[y] for y in gaps.index.get_level_values("year")])
        over = (gaps["gap"] - limit) * gaps["population"]  # £ of the larger side's total
        return RuleCheck.from_shortfall(self, over, gaps["total"])

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        gaps = self._gaps(settlement)
        tau = expand(self.spec.tau, settlement.years)
        out = {}
        for year, rows in relaxation.groupby("year"):
            year = int(year)
            g = gaps.xs(year, level="year")
            national = float(g["national"].iloc[0]) if len(g) else 0.0
            # The relaxed allocation's widest gap between neighbours is a tau that holds.
            feasible = max(tau[year], float(g["gap"].max()) / national) if national > 0 else tau[year]
            feasible = math.ceil(round(feasible * 1000, 6)) / 1000  # rounded up: the shown value holds
            out[year] = (
                f"neighbour parity '{self.rule_id}' (gap <= {pct(tau[year])} of the national "
                f"{money(national)} per head) in {fy(year)} is {money(rows['relaxation_gbp'].sum())} beyond "
                f"what the other rules allow ({len(rows)} boundary row{'s' if len(rows) != 1 else ''} relaxed): feasible with "
                f"tau >= {pct(feasible)}"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "parity with neighbours"
    direction = "range"
    held = "it is held at that gap with a neighbour"
    example: ClassVar[dict[str, object]] = {"tau": 0.5}

    def requirement(self, scenario: Scenario) -> str:
        template = (
            "areas that share a boundary differ in £ per head by at most {v} of the national £ per head"
        )
        text = self.dated(template, self.spec.tau, scenario, lambda v: pct(v, None), "a set share")
        return text + self.coverage(scenario)

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return []
