"""A stream's national total per year is at least (or at most) an amount or a share of the envelope."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import model_validator

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import Dated


class RingFenceSpec(RuleSpec):
    """A stream's national total per year is at least (or at most) an amount or a share of the envelope."""

    kind: Literal["ring_fence"] = "ring_fence"
    stream: str
    """The stream ring-fenced."""
    amount_gbp: Dated | None = None
    """The bound in £ (give this or ``share``)."""
    share: Dated | None = None
    """The bound as a share of the stream's budget envelope (give this or ``amount_gbp``)."""
    sense: Literal["min", "max"] = "min"
    """``min``: at least the bound; ``max``: at most."""

    @model_validator(mode="after")
    def _one_bound(self) -> RingFenceSpec:
        if (self.amount_gbp is None) == (self.share is None):
            raise ValueError("give exactly one of amount_gbp or share")
        return self


@register
class RingFence(RuleKind[RingFenceSpec]):
    """A stream's national total per year is at least (or at most) an amount or a share of the envelope."""

    spec_model: ClassVar = RingFenceSpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("ring_fence: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("ring_fence: check not written yet")
