"""Rule kinds, registered by name. The registry is explicit: each kind's module is imported here."""

from typing import Annotated, Union

from pydantic import Field

from allocator.rules import (
    capital_share,  # noqa: F401
    ceiling,  # noqa: F401
    convergence,  # noqa: F401
    envelope,  # noqa: F401
    equity_ratio,  # noqa: F401
    floor,  # noqa: F401
    mission_target,  # noqa: F401
    multi_year_total,  # noqa: F401
    neighbour_parity,  # noqa: F401
    per_capita_minimum,  # noqa: F401
    ring_fence,  # noqa: F401
    ring_fenced_mix,  # noqa: F401
)
from allocator.rules.base import KINDS, SPECS, RuleCheck, RuleKind, RuleSpec

AnyRuleSpec = Annotated[Union[tuple(SPECS.values())], Field(discriminator="kind")]  # noqa: UP007
"""Any registered rule spec, chosen by its ``kind`` field."""


def make_rule(rule_id: str, spec: RuleSpec) -> RuleKind:
    """The rule kind instance for one rule of a scenario."""
    return KINDS[spec.kind](rule_id, spec)


__all__ = ["KINDS", "SPECS", "AnyRuleSpec", "RuleCheck", "RuleKind", "RuleSpec", "make_rule"]
