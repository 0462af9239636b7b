"""Ceiling (pace of change): an area's total may not grow by more than gamma a year."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Literal

import pandas as pd
from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import dated, expand
from allocator.units import fy, money, pct

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class CeilingSpec(RuleSpec):
    """Pace of change: an area's total may not grow by more than gamma a year."""

    kind: Literal["ceiling"] = "ceiling"
    gamma: dated(ge=0.0, le=10.0) = Field(0.1)
    """Largest allowed growth on the previous year's total (0.1 = +10%), in [0, 10]."""


@register
class Ceiling(RuleKind[CeilingSpec]):
    """Pace of change: gains are capped, so no area's total grows by more than gamma a year.

    Math:
        X[a, t] <= (1 + gamma_t) X[a, t-1]   for each covered area a and year t,
        where X[a, t] = sum_s x[a, t, s] and X[a, -1] is the baseline total.

    References:
        Fair Funding Review 2.0 transitional arrangements (gains phased in); NHS England pace of change
        policy for ICB allocations.
    """

    spec_model: ClassVar = CeilingSpec

    def add(self, m: ModelBuilder) -> None:
        a, t = m.cells(self)
        bound = m.previous_total(a, t) * (1.0 + m.dated(self.spec.gamma, t))
        year = m.year(t)
        m.constrain(self, (m.code(a), year), m.total(a, t), "<=", bound, area=a, year=year)

    def check(self, settlement: AllocationTables) -> RuleCheck:
        totals = settlement.area_year_totals()
        covered = totals[self.covers(settlement, totals.index)]
        gamma = expand(self.spec.gamma, settlement.years)
        g = covered.index.get_level_values("year").map(gamma).to_numpy(dtype=float)
        bound = (1.0 + g) * covered["previous_gbp"]
        return RuleCheck.from_shortfall(self, covered["amount_gbp"] - bound, covered["amount_gbp"])

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        previous = settlement.area_year_totals()["previous_gbp"]
        gamma = expand(self.spec.gamma, settlement.years)
        out = {}
        for year, rows in relaxation.groupby("year"):
            year = int(year)
            gbp = float(rows["relaxation_gbp"].sum())
            # The relaxed settlement meets the cap once each area may grow by what it grew there.
            needed = [
                gamma[year] + r.relaxation_gbp / p if (p := previous[(r.area_code, year)]) > 0 else math.inf
                for r in rows.itertuples()
            ]
            feasible = max(needed)
            fix = (
                f"feasible with gamma >= {pct(feasible)} for every area"
                if math.isfinite(feasible)
                else "no gamma is enough, since an area had nothing the year before"
            )
            out[year] = (
                f"pace of change '{self.rule_id}' at +{pct(gamma[year])} in {fy(year)} blocks "
                f"{money(gbp)} of growth the other rules require ({_areas(len(rows))} over the cap): {fix}"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "ceiling"
    direction = "upper"
    held = "it is held at that ceiling"
    example: ClassVar[dict[str, object]] = {"gamma": 0.2}

    def requirement(self, scenario: Scenario) -> str:
        template = "each area's settlement cannot grow by more than {v} on the previous year's"
        text = self.dated(template, self.spec.gamma, scenario, lambda v: pct(v, None), "a set share")
        return text + self.coverage(scenario)

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return []


def _areas(n: int) -> str:
    return f"{n} area{'s' if n != 1 else ''}"
