"""No area's per-head total exceeds rho times the national per-head average."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import Dated


class EquityRatioSpec(RuleSpec):
    """No area's per-head total exceeds rho times the national per-head average."""

    kind: Literal["equity_ratio"] = "equity_ratio"
    rho: Dated = Field(2.0)
    """Largest ratio of an area's £ per head to the national £ per head."""


@register
class EquityRatio(RuleKind[EquityRatioSpec]):
    """No area's per-head total exceeds rho times the national per-head average."""

    spec_model: ClassVar = EquityRatioSpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("equity_ratio: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("equity_ratio: check not written yet")
