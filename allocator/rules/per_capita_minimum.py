"""Per-capita minimum: every covered area gets at least mu £ per head."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import pandas as pd

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import MAX_PER_HEAD_GBP, dated, expand
from allocator.units import fy, money, per_head

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class PerCapitaMinimumSpec(RuleSpec):
    """Every covered area gets at least mu £ per head."""

    kind: Literal["per_capita_minimum"] = "per_capita_minimum"
    mu_gbp_per_head: dated(ge=0.0, le=MAX_PER_HEAD_GBP)
    """Minimum total settlement per resident, £ (by year, or one value for every year), in [0, 1e6]."""


@register
class PerCapitaMinimum(RuleKind[PerCapitaMinimumSpec]):
    """Minimum funding per head: every covered area gets at least mu_t £ per resident.

    Math:
        X[a, t] >= mu_t p[a]   for each covered area a and year t,
        where X[a, t] = sum_s x[a, t, s] and p[a] is the area's population.
    """

    spec_model: ClassVar = PerCapitaMinimumSpec

    def add(self, m: ModelBuilder) -> None:
        a, t = m.cells(self)
        bound = m.dated(self.spec.mu_gbp_per_head, t) * m.population(a)
        year = m.year(t)
        m.constrain(self, (m.code(a), year), m.total(a, t), ">=", bound, area=a, year=year)

    def check(self, settlement: AllocationTables) -> RuleCheck:
        totals = settlement.area_year_totals()
        covered = totals[self.covers(settlement, totals.index)]
        mu = expand(self.spec.mu_gbp_per_head, settlement.years)
        m = covered.index.get_level_values("year").map(mu).to_numpy(dtype=float)
        bound = m * covered["population"]
        return RuleCheck.from_shortfall(self, bound - covered["amount_gbp"], bound)

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        population = settlement.areas["population"]
        mu = expand(self.spec.mu_gbp_per_head, settlement.years)
        out = {}
        for year, rows in relaxation.groupby("year"):
            year = int(year)
            gbp = float(rows["relaxation_gbp"].sum())
            # What the relaxed settlement gives the shortest area per head meets every other rule.
            feasible = max(
                0.0, min(mu[year] - r.relaxation_gbp / population[r.area_code] for r in rows.itertuples())
            )
            out[year] = (
                f"per-head minimum '{self.rule_id}' of {per_head(mu[year], pence=True)} per head in {fy(year)} needs "
                f"{money(gbp)} more than the other rules allow ({_areas(len(rows))} short): feasible "
                f"with mu <= {per_head(feasible, pence=True)} per head for every area"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "minimum per head"
    direction = "lower"
    held = "it is held at that minimum"
    example: ClassVar[dict[str, object]] = {"mu_gbp_per_head": 5.0}

    def requirement(self, scenario: Scenario) -> str:
        show = lambda v: per_head(v, pence=not float(v).is_integer())  # noqa: E731
        template = "each area receives at least {v} per resident a year"
        text = self.dated(template, self.spec.mu_gbp_per_head, scenario, show, "a set amount")
        return text + self.coverage(scenario)

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return []


def _areas(n: int) -> str:
    return f"{n} area{'s' if n != 1 else ''}"
