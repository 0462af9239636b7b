"""The capital share of each covered area's total lies within [lo, hi]."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register


class CapitalShareSpec(RuleSpec):
    """The capital share of each covered area's total lies within [lo, hi]."""

    kind: Literal["capital_share"] = "capital_share"
    lo: float = Field(0.0, ge=0.0, le=1.0)
    hi: float = Field(1.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> CapitalShareSpec:
        if self.lo > self.hi:
            raise ValueError(f"lo ({self.lo}) is above hi ({self.hi})")
        return self


@register
class CapitalShare(RuleKind[CapitalShareSpec]):
    """The capital share of each covered area's total lies within [lo, hi]."""

    spec_model: ClassVar = CapitalShareSpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("capital_share: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("capital_share: check not written yet")
