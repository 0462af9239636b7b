"""Floor (funding guarantee): an area's total may not fall below phi times its previous year's."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import dated, expand
from allocator.units import fy, money, pct

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class FloorSpec(RuleSpec):
    """Funding guarantee: an area's total may not fall below phi times its previous year's."""

    kind: Literal["floor"] = "floor"
    phi: dated(ge=0.0, le=2.0) = 1.0
    """Minimum ratio of this year's total to last year's (1.0 cash-flat; 0.95 a 95% floor), in [0, 2]."""
    real: bool = False
    """Protect in real terms (the previous year's total uprated by inflation) rather than in cash."""
    basis: Literal["grant", "spending_power"] = "grant"
    """Protect the grant alone, or spending power (grant plus own resources)."""


@register
class Floor(RuleKind[FloorSpec]):
    """Funding guarantee (Fair Funding Review 2.0 income protection; the 2025-26 no-cut guarantee).

    Math:
        X[a, t] >= f_t X[a, t-1]     (basis: grant)
        SP[a, t] >= f_t SP[a, t-1]   (basis: spending_power, SP = X + own)
        where X[a, t] = sum_s x[a, t, s], X[a, -1] is the baseline total, and the factor f_t is
        phi_t (1 + infl_t)^[real] when the scenario's amounts are cash, and phi_t / (1 + infl_t)^[not real]
        when they are real terms (a cash guarantee then allows the real fall that inflation brings).

    References:
        Local government finance policy statement 2026-27 to 2028-29 (floors by group: 100% cash,
        real-terms, 95%).
    """

    spec_model: ClassVar = FloorSpec

    def factors(self, years: list[int], inflation: dict[int, float], amounts: str) -> dict[int, float]:
        """f_t for each year: phi adjusted for inflation where the guarantee and the amounts differ."""
        phi = expand(self.spec.phi, years)
        out = {}
        for y in years:
            if self.spec.real and amounts == "cash":
                out[y] = phi[y] * (1.0 + inflation[y])
            elif not self.spec.real and amounts == "real":
                out[y] = phi[y] / (1.0 + inflation[y])
            else:
                out[y] = phi[y]
        return out

    def add(self, m: ModelBuilder) -> None:
        a, t = m.cells(self)
        inflation = dict(zip(m.years, m.inputs.inflation.tolist(), strict=True))
        factor = self.factors(m.years_for(self), inflation, m.scenario.amounts)
        f = np.array([factor.get(y, 0.0) for y in m.years])[t]
        lhs, previous = m.total(a, t), m.previous_total(a, t)
        if self.spec.basis == "spending_power":
            lhs, previous = lhs + m.own(a, t), previous + m.own_previous(a, t)
        year = m.year(t)
        m.constrain(self, (m.code(a), year), lhs, ">=", previous * f, area=a, year=year)

    def check(self, settlement: AllocationTables) -> RuleCheck:
        totals = settlement.area_year_totals()
        covered = totals[self.covers(settlement, totals.index)]
        factor = self.factors(settlement.years, settlement.inflation, settlement.scenario.amounts)
        f = pd.Series([factor[y] for y in covered.index.get_level_values("year")], index=covered.index)
        if self.spec.basis == "spending_power":
            now, before = covered["spending_power_gbp"], covered["previous_spending_power_gbp"]
        else:
            now, before = covered["amount_gbp"], covered["previous_gbp"]
        return RuleCheck.from_shortfall(self, f * before - now, now)

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        totals = settlement.area_year_totals()
        phi = expand(self.spec.phi, settlement.years)
        factor = self.factors(settlement.years, settlement.inflation, settlement.scenario.amounts)
        out = {}
        for year, rows in relaxation.groupby("year"):
            year = int(year)
            gbp = rows["relaxation_gbp"].sum()
            t = totals.xs(year, level="year")
            t = t[t.index.isin(self.covered_areas(settlement.areas))]
            prev = (
                t["previous_spending_power_gbp"] if self.spec.basis == "spending_power" else t["previous_gbp"]
            )
            # The largest guarantee the relaxed settlement already meets, every area alike: each short
            # area's own bound phi (1 - shortfall / required) and the least of them.
            short = rows.dropna(subset=["area_code"]).groupby("area_code")["relaxation_gbp"].sum()
            required = factor[year] * prev.reindex(short.index)
            bounds = phi[year] * (1.0 - short / required.where(required > 0))
            feasible = float(bounds.min()) if len(bounds) else phi[year]
            n = len(short)
            out[year] = (
                f"floor '{self.rule_id}' at {pct(phi[year])}{' in real terms' if self.spec.real else ''} "
                f"in {fy(year)} needs {money(gbp)} more than the other rules allow "
                f"({n} area{'s' if n != 1 else ''} short): feasible with phi <= {pct(max(feasible, 0.0))}"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "floor"
    direction = "lower"
    held = "it is held at that floor"
    example: ClassVar[dict[str, object]] = {"phi": 0.9}

    def requirement(self, scenario: Scenario) -> str:
        what = (
            "spending power (grant plus own resources such as council tax)"
            if self.spec.basis == "spending_power"
            else "settlement"
        )
        terms = "real" if self.spec.real else "cash"
        template = f"each area's {what} cannot fall below {{v}} of the previous year's, in {terms} terms"
        text = self.dated(template, self.spec.phi, scenario, lambda v: pct(v, None), "a set share")
        return text + self.coverage(scenario)

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        if self.spec.basis == "spending_power" and scenario.geography.own_resources is None:
            return [("basis", "spending_power needs geography.own_resources")]
        return []
