"""NHS-style convergence: no area more than kappa below its formula target (fair share)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import pandas as pd
from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import dated, expand
from allocator.units import fy, money, pct

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class ConvergenceSpec(RuleSpec):
    """NHS-style convergence: no area more than kappa below its formula target (fair share)."""

    kind: Literal["convergence"] = "convergence"
    kappa: dated(ge=0.0, le=1.0) = Field(0.1)
    """Largest allowed shortfall below the formula target, as a share of it (0.05 = 5% under), in
    [0, 1]."""


@register
class Convergence(RuleKind[ConvergenceSpec]):
    """Convergence to target: no covered area sits more than kappa_t below its formula target.

    Math:
        X[a, t] >= (1 - kappa_t) F[a, t]   for each covered area a and year t,
        where F[a, t] is the formula's unphased target (the ``formula`` objective's fair share, after the
        resources adjustment) and X[a, t] = sum_s x[a, t, s].

    References:
        NHS England, ICB allocations: distance from target and the convergence policy (no ICB more than
        a set percentage below its fair share).
    """

    spec_model: ClassVar = ConvergenceSpec

    def add(self, m: ModelBuilder) -> None:
        a, t = m.cells(self)
        bound = (1.0 - m.dated(self.spec.kappa, t)) * m.formula_target(a, t)
        year = m.year(t)
        m.constrain(self, (m.code(a), year), m.total(a, t), ">=", bound, area=a, year=year)

    def check(self, settlement: AllocationTables) -> RuleCheck:
        totals = settlement.area_year_totals()
        covered = totals[self.covers(settlement, totals.index)]
        kappa = expand(self.spec.kappa, settlement.years)
        k = covered.index.get_level_values("year").map(kappa).to_numpy(dtype=float)
        bound = (1.0 - k) * covered["formula_target_gbp"]
        return RuleCheck.from_shortfall(self, bound - covered["amount_gbp"], covered["formula_target_gbp"])

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        target = settlement.area_year_totals()["formula_target_gbp"]
        kappa = expand(self.spec.kappa, settlement.years)
        out = {}
        for year, rows in relaxation.groupby("year"):
            year = int(year)
            gbp = float(rows["relaxation_gbp"].sum())
            # Each relaxed area's distance below target in the relaxed settlement: a kappa that wide admits it.
            feasible = min(
                1.0,
                max(kappa[year] + r.relaxation_gbp / target[(r.area_code, year)] for r in rows.itertuples()),
            )
            out[year] = (
                f"convergence '{self.rule_id}' (at most {pct(kappa[year])} below the formula target) in "
                f"{fy(year)} needs {money(gbp)} more than the other rules allow ({_areas(len(rows))} short): "
                f"feasible with kappa >= {pct(feasible)} for every area"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "convergence to the formula"
    direction = "lower"
    held = "it is held at that distance below its formula target"
    example: ClassVar[dict[str, object]] = {"kappa": 0.5}

    def requirement(self, scenario: Scenario) -> str:
        template = "no area sits more than {v} below its formula target (its fair share)"
        text = self.dated(template, self.spec.kappa, scenario, lambda v: pct(v, None), "a set share")
        return text + self.coverage(scenario)

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return []


def _areas(n: int) -> str:
    return f"{n} area{'s' if n != 1 else ''}"
