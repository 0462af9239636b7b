"""Ring-fence: a stream's total per year is at least (or at most) an amount or a share of its envelope."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import model_validator

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.selectors import MAX_GBP, dated, expand
from allocator.units import fy, money, pct

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class RingFenceSpec(RuleSpec):
    """A stream's national total per year is at least (or at most) an amount or a share of the envelope."""

    kind: Literal["ring_fence"] = "ring_fence"
    stream: str
    """The stream ring-fenced."""
    amount_gbp: dated(ge=0.0, le=MAX_GBP) | None = None
    """The bound in £, in [0, 1e13] (give this or ``share``)."""
    share: dated(ge=0.0, le=1.0) | None = None
    """The bound as a share of the stream's budget envelope, in [0, 1] (give this or ``amount_gbp``)."""
    sense: Literal["min", "max"] = "min"
    """``min``: at least the bound; ``max``: at most."""

    @model_validator(mode="after")
    def _one_bound(self) -> RingFenceSpec:
        if (self.amount_gbp is None) == (self.share is None):
            raise ValueError("give exactly one of amount_gbp or share")
        return self


@register
class RingFence(RuleKind[RingFenceSpec]):
    """Ring-fenced stream: a protected (or capped) national pot for one theme, such as public health.

    Math:
        sum_{a in A'} x[a, t, s] >= R[s, t]   (sense: min)   or   <= R[s, t]   (sense: max)
        for the rule's stream s and each covered year t, over the covered areas A' (all by default);
        R[s, t] = amount_gbp[t], or share[t] * E[b(s), t] (the envelope of the stream's budget).

    References:
        Public health grant conditions (DHSC): the grant is ring-fenced for public health spending.
    """

    spec_model: ClassVar = RingFenceSpec

    def bounds(self, years: list[int], envelope: Callable[[int], float]) -> dict[int, float]:
        """R[s, t] for each of ``years``; ``envelope(year)`` gives the stream's budget envelope."""
        if self.spec.amount_gbp is not None:
            return expand(self.spec.amount_gbp, years)
        share = expand(self.spec.share, years)
        return {y: share[y] * envelope(y) for y in years}

    def add(self, m: ModelBuilder) -> None:
        stream = self.spec.stream
        budget = m.scenario.streams[stream].budget
        t = m.year_indices(self)
        by_year = self.bounds(m.years_for(self), lambda y: float(m.envelope(budget, m.years.index(y))))
        bound = np.array([by_year[y] for y in m.year(t).tolist()])
        lhs = m.national_stream_total(t, m.streams.index(stream), m.area_indices(self))
        sense = ">=" if self.spec.sense == "min" else "<="
        year = m.year(t)
        m.constrain(self, (stream, year), lhs, sense, bound, year=year, stream=stream, budget=budget)

    def _totals(self, settlement: AllocationTables) -> tuple[pd.Series, pd.Series]:
        """The stream's total over covered areas and the bound, by covered year."""
        stream = self.spec.stream
        budget = settlement.scenario.streams[stream].budget
        years = self.covered_years(settlement.years)
        alloc = settlement.allocations
        alloc = alloc[
            (alloc["stream"] == stream) & alloc["area_code"].isin(self.covered_areas(settlement.areas))
        ]
        totals = alloc.groupby("year")["amount_gbp"].sum().reindex(years, fill_value=0.0)
        bound = self.bounds(years, lambda y: settlement.envelope(budget, y))
        return totals, pd.Series(bound, dtype=float).reindex(years)

    def check(self, settlement: AllocationTables) -> RuleCheck:
        totals, bound = self._totals(settlement)
        miss = bound - totals if self.spec.sense == "min" else totals - bound
        miss.index = pd.MultiIndex.from_product([[self.spec.stream], miss.index], names=["stream", "year"])
        return RuleCheck.from_shortfall(self, miss, bound.to_numpy())

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        stream = self.spec.stream
        budget = settlement.scenario.streams[stream].budget
        _, bound = self._totals(settlement)
        word, op = ("at least", "<=") if self.spec.sense == "min" else ("at most", ">=")
        # Shown values are rounded the safe way (down for a minimum, up for a maximum), so they hold.
        safe = math.floor if self.spec.sense == "min" else math.ceil
        out = {}
        for year, gbp in relaxation.groupby("year")["relaxation_gbp"].sum().items():
            year = int(year)
            feasible = max(0.0, bound[year] - gbp if self.spec.sense == "min" else bound[year] + gbp)
            if self.spec.share is not None:
                env = settlement.envelope(budget, year)
                stated = f"{pct(bound[year] / env)} of the {budget} envelope ({money(bound[year])})"
                fix = f"share {op} {pct(safe(round(feasible / env * 1000, 6)) / 1000)}"
            else:
                step = 1e7 if feasible >= 1e10 else 1e5 if feasible >= 1e5 else 1.0  # money()'s precision
                stated, fix = (
                    money(bound[year]),
                    f"amount_gbp {op} {money(safe(round(feasible / step, 6)) * step)}",
                )
            out[year] = (
                f"ring-fence '{self.rule_id}' ({stream} {word} {stated}) in {fy(year)} is {money(gbp)} "
                f"beyond what the other rules and the stream's capacity allow: feasible with {fix}"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "ring-fence"
    direction = "national"
    held = "the stream's national total is at its bound, so more here means less elsewhere"
    example: ClassVar[dict[str, object]] = {"stream": "safety", "amount_gbp": 100.0}

    def requirement(self, scenario: Scenario) -> str:
        word = "at least" if self.spec.sense == "min" else "at most"
        label = self.stream_label(self.spec.stream, scenario)
        if self.spec.amount_gbp is not None:
            template = f"{label} receives {word} {{v}} nationally each year"
            text = self.dated(template, self.spec.amount_gbp, scenario, money, "a set amount")
        else:
            stream = scenario.streams.get(self.spec.stream)
            budget = stream.budget if stream is not None else "its budget's"
            template = f"{label} receives {word} {{v}} of the {budget} envelope nationally each year"
            text = self.dated(template, self.spec.share, scenario, lambda v: pct(v, None), "a set share")
        return text + self.coverage(scenario)

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        stream = self.spec.stream
        if stream in scenario.streams:
            return []
        close = difflib.get_close_matches(stream, list(scenario.streams), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return [("stream", f"unknown stream '{stream}'{hint}; streams are {sorted(scenario.streams)}")]
