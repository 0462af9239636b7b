"""The parameters of each rule kind (MODEL.md, "Rules"): one pydantic spec per kind.

Money is in £; shares are fractions in [0, 1] unless the field says otherwise. Parameters that can change
by year take a number for every year or a mapping of year keys (``{2026: 0.99, "2027..": 1.0}``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from allocator.rules.base import Budget, RuleSpec, register_spec
from allocator.selectors import Dated


@register_spec
class EnvelopeSpec(RuleSpec):
    """Per year and budget, total allocations stay within the scenario's envelope (less headroom)."""

    kind: Literal["envelope"] = "envelope"
    budget: Budget
    """Which budget's envelope (``envelopes.<budget>`` in the scenario)."""
    headroom_share: float = Field(0.0, ge=0.0, lt=1.0)
    """Share of the envelope held back unallocated."""
    must_allocate: bool = False
    """Allocate exactly ``(1 - headroom_share)`` of the envelope rather than at most that."""


@register_spec
class MultiYearTotalSpec(RuleSpec):
    """Across the years covered, a budget's total stays within one Spending Review amount."""

    kind: Literal["multi_year_total"] = "multi_year_total"
    budget: Budget
    amount_gbp: float = Field(gt=0)
    """The total for the budget over the years the rule covers."""
    must_allocate: bool = False


@register_spec
class FloorSpec(RuleSpec):
    """Funding guarantee: an area's total may not fall below phi times its previous year's."""

    kind: Literal["floor"] = "floor"
    phi: Dated = 1.0
    """Minimum ratio of this year's total to last year's (1.0 cash-flat; 0.95 a 95% floor)."""
    real: bool = False
    """Protect in real terms: the previous year's total is uprated by the scenario's inflation."""
    basis: Literal["grant", "spending_power"] = "grant"
    """Protect the grant alone, or spending power (grant plus own resources)."""


@register_spec
class CeilingSpec(RuleSpec):
    """Pace of change: an area's total may not grow by more than gamma a year."""

    kind: Literal["ceiling"] = "ceiling"
    gamma: Dated = Field(0.1)
    """Largest allowed growth on the previous year's total (0.1 = +10%)."""


@register_spec
class PerCapitaMinimumSpec(RuleSpec):
    """Every covered area gets at least mu £ per head."""

    kind: Literal["per_capita_minimum"] = "per_capita_minimum"
    mu_gbp_per_head: Dated
    """Minimum total settlement per resident, £."""


@register_spec
class EquityRatioSpec(RuleSpec):
    """No area's per-head total exceeds rho times the national per-head average."""

    kind: Literal["equity_ratio"] = "equity_ratio"
    rho: Dated = Field(2.0)
    """Largest ratio of an area's £ per head to the national £ per head."""


@register_spec
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


@register_spec
class RingFencedMixSpec(RuleSpec):
    """Areas not on an integrated settlement keep each stream's baseline share of their total, +/- beta."""

    kind: Literal["ring_fenced_mix"] = "ring_fenced_mix"
    beta: float = Field(0.05, ge=0.0, le=1.0)
    """Allowed departure from the baseline share, in share points (0.05 = five points)."""


@register_spec
class NeighbourParitySpec(RuleSpec):
    """Areas that share a boundary differ in £ per head by at most tau times the national £ per head."""

    kind: Literal["neighbour_parity"] = "neighbour_parity"
    tau: Dated = Field(0.5)
    """Largest per-head gap between neighbours, as a share of the national £ per head."""


@register_spec
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


@register_spec
class ConvergenceSpec(RuleSpec):
    """NHS-style convergence: no area more than kappa below its formula target (fair share)."""

    kind: Literal["convergence"] = "convergence"
    kappa: Dated = Field(0.1)
    """Largest allowed shortfall below the formula target, as a share of it (0.05 = 5% under)."""
