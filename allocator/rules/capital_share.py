"""The capital share of each covered area's total lies within [lo, hi]."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.units import fy, money, pct

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class CapitalShareSpec(RuleSpec):
    """The capital share of each covered area's total lies within [lo, hi]."""

    kind: Literal["capital_share"] = "capital_share"
    lo: float = Field(0.0, ge=0.0, le=1.0)
    """Smallest share of the area's total (resource plus capital) that is capital, in [0, 1]."""
    hi: float = Field(1.0, ge=0.0, le=1.0)
    """Largest share of the area's total (resource plus capital) that is capital, in [0, 1] and at
    least ``lo``."""

    @model_validator(mode="after")
    def _ordered(self) -> CapitalShareSpec:
        if self.lo > self.hi:
            raise ValueError(f"lo ({self.lo}) is above hi ({self.hi})")
        return self


@register
class CapitalShare(RuleKind[CapitalShareSpec]):
    """Capital share: keep each area's settlement a sensible blend of capital (CDEL) and resource (RDEL).

    Math:
        lo X[a, t] <= X[a, t, capital] <= hi X[a, t]   for each covered area a and covered year t,
        where X[a, t, capital] is the area's total from capital streams and X[a, t] its total over
        both budgets. A bound of lo = 0 or hi = 1 always holds and adds no row. A scenario with no
        capital stream has nothing to bound: the rule adds no row and checks nothing.
    """

    spec_model: ClassVar = CapitalShareSpec

    def add(self, m: ModelBuilder) -> None:
        if "capital" not in m.budgets:
            return
        lo, hi = self.spec.lo, self.spec.hi
        a, t = m.cells(self)
        capital, total = m.budget_total(a, t, m.budget_index("capital")), m.total(a, t)
        key, year = (m.code(a), m.year(t)), m.year(t)
        if lo > 0:
            m.constrain(
                self, (*key, "lo"), capital - total * lo, ">=", 0.0, area=a, year=year, budget="capital"
            )
        if hi < 1:
            m.constrain(
                self, (*key, "hi"), capital - total * hi, "<=", 0.0, area=a, year=year, budget="capital"
            )

    def _covered(self, settlement: AllocationTables) -> pd.DataFrame:
        totals = settlement.area_year_totals()
        if "capital" not in settlement.scenario.budgets:
            return totals.iloc[:0]
        return totals[self.covers(settlement, totals.index)]

    def check(self, settlement: AllocationTables) -> RuleCheck:
        t = self._covered(settlement)
        below = self.spec.lo * t["amount_gbp"] - t["capital_gbp"]
        above = t["capital_gbp"] - self.spec.hi * t["amount_gbp"]
        return RuleCheck.from_shortfall(self, np.maximum(below, above), t["amount_gbp"])

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        t = self._covered(settlement)
        share = (t["capital_gbp"] / t["amount_gbp"].where(t["amount_gbp"] > 0)).dropna()
        lo, hi = self.spec.lo, self.spec.hi
        out = {}
        for year, rows in relaxation.groupby("year"):
            year = int(year)
            s = share[share.index.get_level_values("year") == year]
            # The relaxed allocation's extreme shares are bounds that hold (rounded the safe way).
            fixes = []
            if len(s) and s.min() < lo:
                fixes.append(f"lo <= {pct(math.floor(round(s.min() * 1000, 6)) / 1000)}")
            if len(s) and s.max() > hi:
                fixes.append(f"hi >= {pct(math.ceil(round(s.max() * 1000, 6)) / 1000)}")
            out[year] = (
                f"capital share '{self.rule_id}' within [{pct(lo)}, {pct(hi)}] in {fy(year)} needs "
                f"{money(rows['relaxation_gbp'].sum())} more than the other rules allow "
                f"({rows['area_code'].nunique()} areas): feasible with "
                f"{' and '.join(fixes) or 'wider bounds'}"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "capital share"
    direction = "range"
    held = "its capital share is held at that limit"
    example: ClassVar[dict[str, object]] = {"lo": 0.1, "hi": 0.5}

    def requirement(self, scenario: Scenario) -> str:
        lo, hi = pct(self.spec.lo, None), pct(self.spec.hi, None)
        if self.spec.lo > 0 and self.spec.hi < 1:
            share = f"between {lo} and {hi}"
        elif self.spec.lo > 0:
            share = f"at least {lo}"
        else:
            share = f"at most {hi}"
        return f"capital is {share} of each area's settlement{self.coverage(scenario)}"

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return []
