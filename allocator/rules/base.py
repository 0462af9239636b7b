"""What every rule kind shares: the spec base class, the check result, and the registry of kinds.

Vocabulary: a *rule kind* is code (one module in this package); a *rule set* is YAML (``rules/*.yaml``);
a *rule* is one entry of a rule set or scenario: an id (its key under ``rules:``), a kind and parameters.
The id is the rule's one name everywhere: in the YAML, constraint names, verification, shadow prices and
reports.

A rule kind is one unit that both constrains and verifies:

- ``add(m)`` adds its rows through ``m.constrain(...)`` only (``allocator.model.build.ModelBuilder``);
- ``check(settlement)`` recomputes compliance from the finished settlement's tables, in pandas, without
  the LP, so a sign or index slip in ``add`` cannot hide;
- ``explain(relaxation, settlement)`` turns the elastic re-solve's relaxation into plain English in the
  rule's own parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from allocator.selectors import Selector, select, years_covered

Budget = Literal["resource", "capital"]

TOLERANCE_GBP = 1.0
"""A check passes when no covered figure misses its bound by more than £1 (or 1e-7 of the figure)."""


class RuleSpec(BaseModel):
    """Fields every rule has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)

    kind: str
    """The rule kind (module under ``allocator/rules``)."""
    mode: Literal["hard", "soft"] = "hard"
    """``hard``: must hold. ``soft``: may be breached at a penalty per £ of breach (see ``penalty``)."""
    years: list[int] | int | str | None = None
    """Years the rule covers: one year, a list, an open range like ``"2027.."``, or all when omitted."""
    areas: Selector | None = None
    """Which areas the rule covers (a selector over area attributes); all areas when omitted."""
    penalty: float | None = Field(None, gt=0, le=1e6)
    """Soft mode only: penalty per £ of breach, as a multiple of the most mission value any £ buys
    (above 1, a breach never pays), in (0, 1e6]. Default: the objective's ``soft_penalty``."""
    description: str = ""
    """Plain-English description, shown in reports."""


S = TypeVar("S", bound=RuleSpec)


@dataclass(frozen=True)
class RuleCheck:
    """The independent check of one rule on a finished settlement."""

    rule_id: str
    kind: str
    mode: str
    checked: int
    """How many figures (rows) were checked."""
    violations: int
    """How many missed their bound by more than the tolerance."""
    max_violation_gbp: float
    worst: str
    """Where the largest violation is (area and year), or empty."""

    @property
    def passed(self) -> bool:
        """A hard rule passes with no violation; a soft rule always passes (its breaches are reported)."""
        return self.violations == 0 or self.mode == "soft"

    def as_row(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "mode": self.mode,
            "checked": self.checked,
            "violations": self.violations,
            "max_violation_gbp": self.max_violation_gbp,
            "worst": self.worst,
            "passed": self.passed,
        }

    @classmethod
    def from_shortfall(
        cls, rule: RuleKind, shortfall: pd.Series, scale: pd.Series | float = 0.0
    ) -> RuleCheck:
        """Build from the amount (£) by which each checked figure misses its bound (<= 0 where it holds).

        ``scale`` (the size of each figure) sets a relative tolerance of 1e-7 next to the £1 one.
        """
        shortfall = shortfall.astype(float).fillna(0.0)
        tol = np.maximum(TOLERANCE_GBP, 1e-7 * np.abs(np.asarray(scale, dtype=float)))
        bad = shortfall.to_numpy() > tol
        worst = ""
        max_v = float(shortfall.max()) if len(shortfall) else 0.0
        if len(shortfall) and max_v > 0:
            where = shortfall.idxmax()
            worst = " ".join(str(p) for p in (where if isinstance(where, tuple) else (where,)))
        return cls(
            rule.rule_id, rule.kind, rule.spec.mode, len(shortfall), int(bad.sum()), max(max_v, 0.0), worst
        )


class RuleKind(Generic[S]):
    """Base class of the rule kinds: holds the rule's id and validated spec."""

    spec_model: ClassVar[type[RuleSpec]]
    kind: ClassVar[str]

    def __init__(self, rule_id: str, spec: S):
        self.rule_id = rule_id
        self.spec: S = spec

    def add(self, m: Any) -> None:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def check(self, settlement: Any) -> RuleCheck:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def explain(self, relaxation: pd.DataFrame, settlement: Any) -> dict[int | None, str]:
        """Plain English per year for the elastic diagnosis; ``relaxation`` has year and relaxation_gbp."""
        out = {}
        for year, gbp in relaxation.groupby("year", dropna=False)["relaxation_gbp"].sum().items():
            out[year] = f"{self.rule_id} ({self.kind}) had to give £{gbp / 1e6:,.1f}m"
        return out

    # helpers shared by check() implementations
    def covered_years(self, years: list[int]) -> list[int]:
        return years_covered(self.spec.years, years)

    def covered_areas(self, areas: pd.DataFrame) -> pd.Index:
        if not self.spec.areas:
            return areas.index
        return areas.index[select(areas, self.spec.areas)]

    def covers(self, settlement: Any, index: pd.MultiIndex) -> np.ndarray:
        """Mask of (area_code, year) index entries the rule covers."""
        years = set(self.covered_years(settlement.years))
        areas = set(self.covered_areas(settlement.areas))
        return np.array([(a in areas and y in years) for a, y in index], dtype=bool)


KINDS: dict[str, type[RuleKind]] = {}
"""Every registered rule kind, keyed by kind name."""
SPECS: dict[str, type[RuleSpec]] = {}
"""Spec model of each registered rule kind, keyed by kind name."""


def register(cls: type[RuleKind]) -> type[RuleKind]:
    """Register a rule kind under the literal value of its spec's ``kind`` field."""
    kind = cls.spec_model.model_fields["kind"].default
    if not isinstance(kind, str) or kind in KINDS:
        raise ValueError(f"rule kind {kind!r} is not a fresh literal kind name")
    cls.kind = kind
    KINDS[kind] = cls
    SPECS[kind] = cls.spec_model
    return cls
