"""Equity ratio: no area's per-head total exceeds rho times the national per-head average."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Literal

import pandas as pd
from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import dated, expand
from allocator.units import fy, money, times

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class EquityRatioSpec(RuleSpec):
    """No area's per-head total exceeds rho times the national per-head average."""

    kind: Literal["equity_ratio"] = "equity_ratio"
    rho: dated(gt=0.0, le=1000.0) = Field(2.0)
    """Largest ratio of an area's £ per head to the national £ per head (2.0 = twice the average), in
    (0, 1000]."""


@register
class EquityRatio(RuleKind[EquityRatioSpec]):
    """Equity cap: no covered area's £ per head exceeds rho_t times the national £ per head.

    Math:
        X[a, t] / p[a] <= rho_t N[t] / P   for each covered area a and year t, written as
        X[a, t] <= rho_t (p[a] / P) N[t],
        where N[t] = sum_a' X[a', t] and P = sum_a' p[a'] run over ALL recipient areas (not just the
        covered ones). N[t] is the model's national total (an auxiliary variable), so each row stays short;
        the row is in £ (dividing by the constant P), so a soft breach is penalised per £ like any rule.
    """

    spec_model: ClassVar = EquityRatioSpec

    def add(self, m: ModelBuilder) -> None:
        a, t = m.cells(self)
        share = m.population(a) / float(m.inputs.population.sum())
        bound = m.national_total(t) * (m.dated(self.spec.rho, t) * share)
        year = m.year(t)
        m.constrain(self, (m.code(a), year), m.total(a, t), "<=", bound, area=a, year=year)

    def national_per_head(self, settlement: AllocationTables) -> pd.Series:
        """N[t] / P by year, over every recipient area."""
        national = settlement.area_year_totals()["amount_gbp"].groupby(level="year").sum()
        return national / float(settlement.areas["population"].sum())

    def check(self, settlement: AllocationTables) -> RuleCheck:
        totals = settlement.area_year_totals()
        covered = totals[self.covers(settlement, totals.index)]
        rho = expand(self.spec.rho, settlement.years)
        years = covered.index.get_level_values("year")
        average = years.map(self.national_per_head(settlement)).to_numpy(dtype=float)
        bound = years.map(rho).to_numpy(dtype=float) * covered["population"] * average
        return RuleCheck.from_shortfall(self, covered["amount_gbp"] - bound, covered["amount_gbp"])

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        population = settlement.areas["population"]
        average = self.national_per_head(settlement)
        rho = expand(self.spec.rho, settlement.years)
        out = {}
        for year, rows in relaxation.groupby("year"):
            year = int(year)
            gbp = float(rows["relaxation_gbp"].sum())
            # Each relaxed area's own ratio in the relaxed settlement: a rho that high admits it.
            per_average = average[year] if average[year] > 0 else math.nan
            feasible = max(
                rho[year] + r.relaxation_gbp / (population[r.area_code] * per_average)
                for r in rows.itertuples()
            )
            fix = (
                f"feasible with rho >= {feasible:.2f} for every area"
                if math.isfinite(feasible)
                else "no rho is enough while the national total is zero"
            )
            out[year] = (
                f"equity ratio '{self.rule_id}' at {rho[year]:.2f}x the national £ per head in {fy(year)} "
                f"holds back {money(gbp)} the other rules require ({_areas(len(rows))} above it): {fix}"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "cap on £ per head"
    direction = "upper"
    held = "it is held at that cap"
    example: ClassVar[dict[str, object]] = {"rho": 1.5}

    def requirement(self, scenario: Scenario) -> str:
        template = "no area receives more than {v} the national £ per head"
        text = self.dated(template, self.spec.rho, scenario, times, "a set multiple of")
        return text + self.coverage(scenario)

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return []


def _areas(n: int) -> str:
    return f"{n} area{'s' if n != 1 else ''}"
