"""Areas that share a boundary differ in £ per head by at most tau times the national £ per head."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import Dated


class NeighbourParitySpec(RuleSpec):
    """Areas that share a boundary differ in £ per head by at most tau times the national £ per head."""

    kind: Literal["neighbour_parity"] = "neighbour_parity"
    tau: Dated = Field(0.5)
    """Largest per-head gap between neighbours, as a share of the national £ per head."""


@register
class NeighbourParity(RuleKind[NeighbourParitySpec]):
    """Areas that share a boundary differ in £ per head by at most tau times the national £ per head."""

    spec_model: ClassVar = NeighbourParitySpec

    def add(self, m: Any) -> None:
        raise NotImplementedError("neighbour_parity: constraints not written yet")

    def check(self, settlement: Any) -> RuleCheck:
        raise NotImplementedError("neighbour_parity: check not written yet")
