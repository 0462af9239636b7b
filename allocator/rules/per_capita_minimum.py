"""Every covered area gets at least mu £ per head."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import Dated


class PerCapitaMinimumSpec(RuleSpec):
    """Every covered area gets at least mu £ per head."""

    kind: Literal["per_capita_minimum"] = "per_capita_minimum"
    mu_gbp_per_head: Dated
    """Minimum total settlement per resident, £."""


@register
class PerCapitaMinimum(RuleKind[PerCapitaMinimumSpec]):
    """Every covered area gets at least mu £ per head."""

    spec_model: ClassVar = PerCapitaMinimumSpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("per_capita_minimum: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("per_capita_minimum: check not written yet")
