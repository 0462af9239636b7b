"""Across the years covered, a budget's total stays within one Spending Review amount."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from allocator.rules.base import Budget, RuleCheck, RuleKind, RuleSpec, register


class MultiYearTotalSpec(RuleSpec):
    """Across the years covered, a budget's total stays within one Spending Review amount."""

    kind: Literal["multi_year_total"] = "multi_year_total"
    budget: Budget
    amount_gbp: float = Field(gt=0)
    """The total for the budget over the years the rule covers."""
    must_allocate: bool = False


@register
class MultiYearTotal(RuleKind[MultiYearTotalSpec]):
    """Across the years covered, a budget's total stays within one Spending Review amount."""

    spec_model: ClassVar = MultiYearTotalSpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("multi_year_total: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("multi_year_total: check not written yet")
