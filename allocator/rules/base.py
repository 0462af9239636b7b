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

It is also the one place that knows how its kind reads to people (``allocator.reports.words`` and every
report take it from here, never from a table of their own):

- ``label``: the kind's name for a reader ("floor", "minimum per head");
- ``direction``: which way its bound holds an area's figure (``lower``, ``upper``, ``range`` or ``national``);
- ``held``: what being at that bound means for an area ("it is held at that floor");
- ``requirement(scenario)``: what the rule requires, in one clause, from its resolved parameters;
- ``check_inputs(scenario)``: the kind's checks of a scenario before any solve, as (field, message);
- ``example``: parameters that make a small generic scenario feasible (the contract test solves it).

``PARTS`` lists them; the contract test fails when a kind does not define each one itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, Literal, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from allocator.selectors import Dated, Selector, describe, expand, select, years_covered
from allocator.units import fy_list

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables

Budget = Literal["resource", "capital"]
Direction = Literal["lower", "upper", "range", "national"]
"""Which way a rule's bound holds figures: ``lower`` (an area's figure cannot go below it: floors, minimums),
``upper`` (cannot go above: ceilings, caps), ``range`` (between two bounds: shares, parity) or
``national`` (a national total: envelopes, ring-fences)."""

PARTS = ("label", "direction", "held", "example", "requirement", "check_inputs", "explain", "add", "check")
"""What every rule kind defines itself (the contract test checks each class's own namespace)."""

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

    def as_row(self) -> dict[str, str | int | float | bool]:
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
    label: ClassVar[str]
    """The kind's name for a reader: "floor", "minimum per head"."""
    direction: ClassVar[Direction]
    held: ClassVar[str]
    """What being at its bound means for an area, as a clause: "it is held at that floor"."""
    example: ClassVar[dict[str, object]]
    """Parameters that keep the contract test's small generic scenario feasible."""

    def __init__(self, rule_id: str, spec: S):
        self.rule_id = rule_id
        self.spec: S = spec

    def add(self, m: ModelBuilder) -> None:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def check(self, settlement: AllocationTables) -> RuleCheck:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def requirement(self, scenario: Scenario) -> str:  # pragma: no cover - every kind overrides
        """What the rule requires, in one clause from its resolved parameters ("each area's settlement
        cannot fall below 98% of the year before's, in cash terms"); no trailing full stop."""
        raise NotImplementedError

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:  # pragma: no cover
        """Problems with the rule in this scenario that the schema alone cannot see, as (field of the rule,
        message) pairs; empty when none."""
        raise NotImplementedError

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        """Plain English per year for the elastic diagnosis; ``relaxation`` has year and relaxation_gbp."""
        out = {}
        for year, gbp in relaxation.groupby("year", dropna=False)["relaxation_gbp"].sum().items():
            out[year] = f"{self.rule_id} ({self.kind}) had to give £{gbp / 1e6:,.1f}m"
        return out

    # helpers shared by requirement() implementations
    def dated(
        self, template: str, value: Dated, scenario: Scenario, show: Callable[[float], str], varying: str
    ) -> str:
        """``template`` with ``{v}``, a dated parameter over the years the rule covers: the figure itself
        when it is the same in each ("... below 98% of ..."), else ``varying`` in its place and the figures
        by year after a colon ("... below a set share of ...: 100% in 2026-27 and 98% in 2027-28 to
        2030-31")."""
        years = self.covered_years(list(scenario.years))
        by_year = expand(value, years)
        shown = [(y, show(by_year[y])) for y in years if y in by_year]
        if len({text for _, text in shown}) <= 1:
            return template.format(v=shown[0][1] if shown else show(value))
        texts = list(dict.fromkeys(text for _, text in shown))
        spans = [f"{t} in {fy_list([y for y, text in shown if text == t])}" for t in texts]
        return f"{template.format(v=varying)}: {'; '.join(spans)}"

    def coverage(self, scenario: Scenario) -> str:
        """Which years and areas the rule covers when that is not all of them, as a trailing phrase
        (" in 2027-28 and 2028-29, for areas where tier is Unitary"), else empty."""
        out = ""
        years = self.covered_years(list(scenario.years))
        if years != list(scenario.years):
            out += f" in {fy_list(years)}" if years else " in none of the years"
        if self.spec.areas:
            out += f", for areas where {describe(self.spec.areas)}"
        return out

    @staticmethod
    def stream_label(stream: str, scenario: Scenario) -> str:
        spec = scenario.streams.get(stream)
        return spec.label if spec is not None and spec.label else stream.replace("_", " ")

    @staticmethod
    def unknown_budget(scenario: Scenario, budget: str) -> list[tuple[str, str]]:
        """The problem of a budget no stream uses (for kinds with a ``budget``)."""
        if budget in scenario.budgets:
            return []
        return [("budget", f"no stream uses the {budget} budget; streams use {scenario.budgets}")]

    # helpers shared by check() implementations
    def covered_years(self, years: list[int]) -> list[int]:
        return years_covered(self.spec.years, years)

    def covered_areas(self, areas: pd.DataFrame) -> pd.Index:
        if not self.spec.areas:
            return areas.index
        return areas.index[select(areas, self.spec.areas)]

    def covers(self, settlement: AllocationTables, index: pd.MultiIndex) -> np.ndarray:
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
