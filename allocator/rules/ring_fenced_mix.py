"""Areas not on an integrated settlement keep each stream's baseline share of their total, +/- beta."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register


class RingFencedMixSpec(RuleSpec):
    """Areas not on an integrated settlement keep each stream's baseline share of their total, +/- beta."""

    kind: Literal["ring_fenced_mix"] = "ring_fenced_mix"
    beta: float = Field(0.05, ge=0.0, le=1.0)
    """Allowed departure from the baseline share, in share points (0.05 = five points)."""


@register
class RingFencedMix(RuleKind[RingFencedMixSpec]):
    """Areas not on an integrated settlement keep each stream's baseline share of their total, +/- beta."""

    spec_model: ClassVar = RingFencedMixSpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("ring_fenced_mix: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("ring_fenced_mix: check not written yet")
