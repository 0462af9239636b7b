"""Envelope: per year and budget, total allocations stay within the scenario's envelope, less headroom."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import pandas as pd
from pydantic import Field

from allocator.rules.base import Budget, RuleCheck, RuleKind, RuleSpec, register
from allocator.units import fy, money, pct

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class EnvelopeSpec(RuleSpec):
    """Per year and budget, total allocations stay within the scenario's envelope (less headroom)."""

    kind: Literal["envelope"] = "envelope"
    budget: Budget
    """Which budget's envelope (``envelopes.<budget>`` in the scenario)."""
    headroom_share: float = Field(0.0, ge=0.0, lt=1.0)
    """Share of the envelope held back unallocated, in [0, 1)."""
    must_allocate: bool = False
    """Allocate exactly ``(1 - headroom_share)`` of the envelope rather than at most that."""


@register
class Envelope(RuleKind[EnvelopeSpec]):
    """Control total of a budget (RDEL or CDEL) in each year.

    Math:
        sum_{a, s: b(s) = b} x[a, t, s] <= (1 - headroom) E[b, t]   for each covered year t
        (``=`` when ``must_allocate``). The ``areas`` selector does not apply: an envelope is national.

    Its dual is the shadow price of the envelope: mission value bought by one more £ in that year.
    """

    spec_model: ClassVar = EnvelopeSpec

    def bound(self, envelope: float) -> float:
        return (1.0 - self.spec.headroom_share) * envelope

    def add(self, m: ModelBuilder) -> None:
        sense = "==" if self.spec.must_allocate else "<="
        budget = self.spec.budget
        t = m.year_indices(self)
        bound = self.bound(m.envelope(budget, t))
        lhs = m.national_total(t, m.budget_index(budget))
        m.constrain(self, (m.year(t),), lhs, sense, bound, year=m.year(t), budget=budget)

    def check(self, settlement: AllocationTables) -> RuleCheck:
        alloc = settlement.allocations
        totals = alloc[alloc["budget"] == self.spec.budget].groupby("year")["amount_gbp"].sum()
        years = self.covered_years(settlement.years)
        totals = totals.reindex(years, fill_value=0.0)
        bound = pd.Series([self.bound(settlement.envelope(self.spec.budget, y)) for y in years], index=years)
        over = totals - bound
        shortfall = over.abs() if self.spec.must_allocate else over
        return RuleCheck.from_shortfall(self, shortfall, bound)

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        alloc = settlement.allocations
        allocated = alloc[alloc["budget"] == self.spec.budget].groupby("year")["amount_gbp"].sum()
        out = {}
        for year, gbp in relaxation.groupby("year")["relaxation_gbp"].sum().items():
            env = settlement.envelope(self.spec.budget, int(year))
            # the relaxed settlement allocates more than the bound when the other rules need more money
            more = float(allocated.get(int(year), 0.0)) > self.bound(env)
            out[int(year)] = (
                f"the {self.spec.budget} envelope '{self.rule_id}' in {fy(int(year))} ({money(env)}) is "
                f"{money(gbp)} {'short of' if more else 'more than'} what the other rules require: feasible "
                f"with the envelope {'raised' if more else 'lowered'} by {money(gbp)} ({pct(gbp / env)})"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "envelope"
    direction = "national"
    held = "a national total is fully used, so more here means less elsewhere"
    example: ClassVar[dict[str, object]] = {"budget": "resource", "headroom_share": 0.05}

    def requirement(self, scenario: Scenario) -> str:
        b = self.spec.budget
        verb = "exactly" if self.spec.must_allocate else "at most"
        share = f"{pct(1 - self.spec.headroom_share, None)} of " if self.spec.headroom_share else ""
        template = f"national {b} allocations each year total {verb} {share}the {b} envelope ({{v}})"
        text = self.dated(template, scenario.envelopes.get(b, 0.0), scenario, money, "set by year")
        return text + self.coverage(scenario).split(",")[0]  # national: the areas selector does not apply

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return self.unknown_budget(scenario, self.spec.budget)
