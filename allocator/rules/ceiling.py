"""Pace of change: an area's total may not grow by more than gamma a year."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import Dated


class CeilingSpec(RuleSpec):
    """Pace of change: an area's total may not grow by more than gamma a year."""

    kind: Literal["ceiling"] = "ceiling"
    gamma: Dated = Field(0.1)
    """Largest allowed growth on the previous year's total (0.1 = +10%)."""


@register
class Ceiling(RuleKind[CeilingSpec]):
    """Pace of change: an area's total may not grow by more than gamma a year."""

    spec_model: ClassVar = CeilingSpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("ceiling: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("ceiling: check not written yet")
