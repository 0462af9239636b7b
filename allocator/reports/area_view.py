"""One area's page as plain values: what the HTML explorer, ``allocator inspect`` and the workbook show
about an area, computed in one place from the shared ``ReportContext``.

An ``AreaView`` holds numbers (in £, shares) and plain text (names, sentences); each renderer formats
and escapes them for where they go.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from allocator.reports import words
from allocator.reports.context import Fact, ReportContext
from allocator.units import count, decimals_for, money, number, pct, per_head

STEPS = [
    ("Baseline", "what the area received in {base}."),
    ("Formula target", "its fair share of the envelope by need{own}, if it moved there at once."),
    ("After phasing", "the move to the formula target, phased in over the years."),
    (
        "After the rules",
        "floors, ceilings and the other rules applied to the phased target (the formula allocation).",
    ),
    ("Settlement", "after optimisation: money moved to where it buys most mission value, within the rules."),
]
"""The waterfall's steps and what each means (``{base}``: the baseline year; ``{own}``: the note on own
resources when the area has them)."""


@dataclass(frozen=True)
class StreamRow:
    stream: str
    label: str
    budget: str
    amounts: list[float]


@dataclass(frozen=True)
class Comparator:
    """£ per head by year of this area or a group it is compared with."""

    label: str
    per_head: list[float]
    this_area: bool = False


@dataclass(frozen=True)
class Peer:
    """Another area shown beside this one (a neighbour or a similar council)."""

    code: str
    name: str
    region: str | None
    tier: str | None
    per_head: float
    """£ per head a year, averaged over the settlement years."""
    change_vs_baseline_pct: float
    integrated: bool


@dataclass(frozen=True)
class OutcomeRow:
    mission: str
    label: str
    unit: str
    lower_is_better: bool
    now: float
    change: list[float]
    projected: float
    target: float
    gap_share: float | None
    """The last year's change as a share of the gap to the target (None when already at or past it)."""

    @property
    def decimals(self) -> int:
        """Decimals for the change: two more than the indicator's own (at most four), so a small change
        still shows."""
        return min(decimals_for(self.now) + 2, 4)


@dataclass(frozen=True)
class AreaView:
    """Everything an area's page shows, as values."""

    code: str
    name: str
    region: str | None
    tier: str | None
    population: float
    integrated: bool
    years: list[int]
    terms: str
    """The scenario's terms ("real" or "cash") of ``streams``, ``total`` and ``per_head``."""
    facts: list[tuple[Fact, str]]
    streams: list[StreamRow]
    total: list[float]
    baseline: float
    cash: list[float]
    real: list[float]
    change_cash: list[float]
    """Change on the previous year (the baseline for the first), cash."""
    change_real: list[float]
    since_base_cash: list[float]
    since_base_real: list[float]
    per_head: list[float]
    comparators: list[Comparator]
    itself: Peer
    """The area as its neighbours and similar councils are shown."""
    neighbours: list[Peer]
    similar: list[Peer]
    waterfall: list[tuple[str, str, list[float]]]
    """(step, what it means, amount by year)."""
    own_resources: list[float]
    holdings: list[words.Holding]
    outcomes: list[OutcomeRow]
    value: list[tuple[str, float, float]]
    """(mission, this settlement's mission value, the formula allocation's)."""


def fact_text(fact: Fact, value: Any) -> str:
    """A published figure as its unit says: £, £ per head, a share as %, a number, or text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not published"
    if fact.unit == "text" or isinstance(value, str | bool | np.bool_) or not isinstance(value, numbers.Real):
        return str(value)
    if fact.unit == "gbp":
        return money(value)
    if fact.unit == "gbp_per_head":
        return per_head(value, pence=True)
    if fact.unit == "pct":
        return pct(value)
    return number(value) if not float(value).is_integer() else count(value)


def _changes(values: np.ndarray, before: float) -> tuple[list[float], list[float]]:
    """Change on the previous year and since ``before`` (the baseline), as shares."""
    prev = np.concatenate([[before], values[:-1]])
    on_year = np.where(prev > 0, values / np.where(prev > 0, prev, 1) - 1, np.nan)
    since = values / before - 1 if before > 0 else np.full_like(values, np.nan)
    return on_year.tolist(), since.tolist()


def _peer(c: ReportContext, code: str) -> Peer:
    i = c.index[code]
    return Peer(
        code=code,
        name=c.names[code],
        region=c.regions[code],
        tier=c.tiers[code],
        per_head=float(c.amount[i].sum() / len(c.years) / c.population[i]),
        change_vs_baseline_pct=float(c.vs_base_pct[i, -1]),
        integrated=bool(c.integrated[i]),
    )


def area_view(c: ReportContext, code: str) -> AreaView:
    """The page of area ``code`` (which must be one of ``c.codes``)."""
    i = c.index[code]
    sc = c.scenario
    amounts = c.stream_amounts[i]
    eligible = c.eligible.get(code, set())
    streams = [
        StreamRow(st, words.stream_label(st, sc), sc.streams[st].budget, amounts[:, k].tolist())
        for k, st in enumerate(c.stream_order)
        if st in eligible or np.abs(amounts[:, k]).sum() > 0
    ]
    cash, real = c.cash(c.amount[i]), c.real(c.amount[i])
    change_cash, since_cash = _changes(cash, c.baseline[i])
    change_real, since_real = _changes(real, c.baseline[i])
    region = c.regions[code]
    comparators = [Comparator(c.names[code], c.per_head[i].tolist(), this_area=True)]
    if region is not None and region in c.region_per_head:
        comparators.append(Comparator(f"{region} (region)", c.region_per_head[region].tolist()))
    neighbours = c.neighbours[code]
    if (nb := c.group_per_head(neighbours)) is not None:
        comparators.append(Comparator("Its neighbours together", nb.tolist()))
    similar = c.similar.codes.get(code, [])
    if (sim := c.group_per_head(similar)) is not None:
        comparators.append(Comparator("Similar councils together", sim.tolist()))
    comparators.append(Comparator("National average", c.national_per_head.tolist()))
    own = c.own[i]
    own_note = (
        f", less its own resources ({money(own.mean())} a year: they are netted off, so the target can be "
        "negative when they exceed its share)"
        if np.nansum(np.abs(own)) > 0
        else ""
    )
    steps = c.waterfall[i]
    waterfall = [
        (label, meaning.format(base=c.baseline_year, own=own_note), steps[k].tolist())
        for k, (label, meaning) in enumerate(STEPS)
    ]
    return AreaView(
        code=code,
        name=c.names[code],
        region=region,
        tier=c.tiers[code],
        population=float(c.population[i]),
        integrated=bool(c.integrated[i]),
        years=c.years,
        terms=sc.amounts,
        facts=[(f, fact_text(f, v)) for f, v in c.fact_values(code)],
        streams=streams,
        total=c.amount[i].tolist(),
        baseline=float(c.baseline[i]),
        cash=cash.tolist(),
        real=real.tolist(),
        change_cash=change_cash,
        change_real=change_real,
        since_base_cash=since_cash,
        since_base_real=since_real,
        per_head=c.per_head[i].tolist(),
        comparators=comparators,
        itself=_peer(c, code),
        neighbours=[_peer(c, n) for n in neighbours],
        similar=[_peer(c, n) for n in similar],
        waterfall=waterfall,
        own_resources=own.tolist(),
        holdings=c.holdings.get(code, []),
        outcomes=_outcomes(c, i),
        value=_value(c, i),
    )


def _outcomes(c: ReportContext, i: int) -> list[OutcomeRow]:
    o = c.outcomes
    out = []
    for j, mission in enumerate(c.missions):
        spec = c.scenario.missions[mission]
        now = float(o["current"][i, j])
        change = o["change"][i, :, j]
        gap = spec.target - now
        lower = spec.direction == "lower_is_better"
        behind = gap < 0 if lower else gap > 0
        out.append(
            OutcomeRow(
                mission=mission,
                label=words.mission_label(mission, c.scenario),
                unit=spec.unit or words.humanise(spec.indicator),
                lower_is_better=lower,
                now=now,
                change=change.tolist(),
                projected=float(o["projected"][i, -1, j]),
                target=float(spec.target),
                gap_share=float(change[-1] / gap) if behind and math.isfinite(change[-1]) else None,
            )
        )
    return out


def _value(c: ReportContext, i: int) -> list[tuple[str, float, float]]:
    if c.value is None:
        return []
    v, f = c.value
    return [
        (words.mission_label(m, c.scenario), float(v[i, j]), float(f[i, j]))
        for j, m in enumerate(c.missions)
        if math.isfinite(v[i, j])
    ]
