"""NHS-style convergence: no area more than kappa below its formula target (fair share)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import Dated


class ConvergenceSpec(RuleSpec):
    """NHS-style convergence: no area more than kappa below its formula target (fair share)."""

    kind: Literal["convergence"] = "convergence"
    kappa: Dated = Field(0.1)
    """Largest allowed shortfall below the formula target, as a share of it (0.05 = 5% under)."""


@register
class Convergence(RuleKind[ConvergenceSpec]):
    """NHS-style convergence: no area more than kappa below its formula target (fair share)."""

    spec_model: ClassVar = ConvergenceSpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("convergence: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("convergence: check not written yet")
