"""Multi-year total: across the years covered, a budget's total stays within one Spending Review amount."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import pandas as pd
from pydantic import Field

from allocator.rules.base import Budget, RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import MAX_GBP
from allocator.units import fy, fy_range, money, pct

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class MultiYearTotalSpec(RuleSpec):
    """Across the years covered, a budget's total stays within one Spending Review amount."""

    kind: Literal["multi_year_total"] = "multi_year_total"
    budget: Budget
    """Which budget (``resource`` or ``capital``) the total is of."""
    amount_gbp: float = Field(gt=0, le=10 * MAX_GBP)
    """The total for the budget over the years the rule covers, £, in (0, 1e14]."""
    must_allocate: bool = False
    """Allocate exactly ``amount_gbp`` over the years rather than at most that."""


@register
class MultiYearTotal(RuleKind[MultiYearTotalSpec]):
    """Spending Review total of a budget over several years (money may move between the years).

    Math:
        sum_{t, a, s: b(s) = b} x[a, t, s] <= E_b   over the covered years t (``=`` when ``must_allocate``).
        One row per rule. The ``areas`` selector does not apply: the total is national.

    Its dual is the shadow price of the multi-year total: mission value bought by one more £ in any year.

    References:
        HM Treasury, Spending Review 2025: multi-year departmental settlements (RDEL and CDEL totals).
    """

    spec_model: ClassVar = MultiYearTotalSpec

    def add(self, m: ModelBuilder) -> None:
        budget = self.spec.budget
        t = m.year_indices(self)
        lhs = m.national_total_over(t, m.budget_index(budget))
        sense = "==" if self.spec.must_allocate else "<="
        m.constrain(self, (budget,), lhs, sense, self.spec.amount_gbp, budget=budget)

    def total(self, settlement: AllocationTables) -> float:
        """The settlement's total of the budget over the covered years, £."""
        alloc = settlement.allocations
        years = self.covered_years(settlement.years)
        mask = (alloc["budget"] == self.spec.budget) & alloc["year"].isin(years)
        return float(alloc.loc[mask, "amount_gbp"].sum())

    def check(self, settlement: AllocationTables) -> RuleCheck:
        over = self.total(settlement) - self.spec.amount_gbp
        shortfall = pd.Series([abs(over) if self.spec.must_allocate else over], index=[self.spec.budget])
        return RuleCheck.from_shortfall(self, shortfall, self.spec.amount_gbp)

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        gbp = float(relaxation["relaxation_gbp"].sum())
        years = self.covered_years(settlement.years)
        # The relaxed settlement's own total is an amount at which the other rules can all be met.
        feasible = self.total(settlement)
        more = feasible >= self.spec.amount_gbp
        text = (
            f"the multi-year {self.spec.budget} total '{self.rule_id}' over {fy(years[0])} to "
            f"{fy(years[-1])} ({money(self.spec.amount_gbp)}) is {money(gbp)} "
            f"{'short of what the other rules require' if more else 'more than the other rules and capacity allow'}"
            ": feasible with "
            f"amount_gbp {'>=' if more else '<='} {money(feasible)} "
            f"({pct(gbp / self.spec.amount_gbp if more else -gbp / self.spec.amount_gbp, signed=True)})"
        )
        return {None: text}

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "multi-year total"
    direction = "national"
    held = "a national total is fully used, so more here means less elsewhere"
    example: ClassVar[dict[str, object]] = {"budget": "capital", "amount_gbp": 600.0}

    def requirement(self, scenario: Scenario) -> str:
        b = self.spec.budget
        verb = "exactly" if self.spec.must_allocate else "at most"
        years = self.covered_years(list(scenario.years))
        return f"national {b} allocations over {fy_range(years)} total {verb} {money(self.spec.amount_gbp)}"

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return self.unknown_budget(scenario, self.spec.budget)
