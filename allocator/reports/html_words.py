"""Plain English for the report: what each rule means for an area, which rules hold an area's figure,
and what the shadow prices say ("£1m more resource in 2027-28 buys £2.7m of mission value").

Sentences are built from the scenario's rules (kind, parameters, description) and the settlement's
``binding`` and ``shadow_prices`` tables. A rule kind this module does not know yet still gets a sentence,
from its description.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from allocator.reports.html_kit import and_list, humanise, money
from allocator.selectors import expand
from allocator.units import fy

KIND_NAMES = {
    "floor": "floor",
    "ceiling": "ceiling",
    "per_capita_minimum": "minimum per head",
    "ring_fenced_mix": "ring-fenced stream mix",
    "equity_ratio": "cap on £ per head",
    "capital_share": "capital share",
    "convergence": "convergence to the formula",
    "envelope": "envelope",
    "multi_year_total": "multi-year total",
    "neighbour_parity": "parity with neighbours",
    "ring_fence": "ring-fence",
    "capacity": "absorptive capacity",
}

HELD = {
    "floor": "it is held at that floor",
    "ceiling": "it is held at that ceiling",
    "per_capita_minimum": "it is held at that minimum",
    "ring_fenced_mix": "a stream is held at the edge of that range",
    "equity_ratio": "it is held at that cap",
    "capital_share": "its capital share is held at that limit",
    "convergence": "it is held at that distance from its formula target",
    "neighbour_parity": "it is held at that gap with a neighbour",
    "capacity": "it is held there",
}

LOWER_BOUNDS = {"floor", "per_capita_minimum", "convergence"}
UPPER_BOUNDS = {"ceiling", "equity_ratio", "capacity"}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind.replace("_", " "))


def rule_label(rule_id: str, kind: str, scenario: Any = None) -> str:
    """``Funding guarantee (floor)``; ``Absorptive capacity: Local transport`` for capacity rows."""
    if kind == "capacity" or rule_id.startswith("capacity:"):
        stream = rule_id.split(":", 1)[-1]
        return f"Absorptive capacity: {stream_label(stream, scenario)}"
    return f"{humanise(rule_id)} ({kind_name(kind)})"


def stream_label(stream: str, scenario: Any) -> str:
    spec = scenario.streams.get(stream) if scenario is not None else None
    return (spec.label if spec is not None and spec.label else humanise(stream)) if stream else ""


def _by_year(value: Any, years: Sequence[int]) -> dict[int, float]:
    try:
        return {int(y): float(v) for y, v in expand(value, list(years)).items()}
    except Exception:
        return {}


def _param(value: Any, years: Sequence[int], show: Any) -> str:
    """One figure if it is the same every year, else 'X in 2026-27, Y in 2027-28'."""
    by_year = _by_year(value, years)
    if not by_year:
        return show(value) if isinstance(value, int | float) else str(value)
    distinct = {round(v, 12) for v in by_year.values()}
    if len(distinct) == 1:
        return show(next(iter(by_year.values())))
    return and_list([f"{show(v)} in {fy(y)}" for y, v in by_year.items()])


def _pc(x: float) -> str:
    s = f"{x * 100:.1f}".removesuffix(".0")
    return f"{s}%"


def meaning(spec: Any, scenario: Any) -> str:
    """What a rule requires of one area, in a clause: "this area's settlement cannot fall below 100% of
    last year's"."""
    kind = getattr(spec, "kind", "")
    years = list(scenario.years) if scenario is not None else []
    g = lambda name, default=None: getattr(spec, name, default)  # noqa: E731
    if kind == "floor":
        what = "spending power (grant plus council tax)" if g("basis") == "spending_power" else "settlement"
        clause = f"this area's {what} cannot fall below {_param(g('phi', 1.0), years, _pc)} of last year's"
        if g("real"):
            return clause + " in real terms"
        if scenario is not None and scenario.amounts == "real":
            inflation = _param(scenario.inflation, years, _pc)
            return clause + (
                f" in cash terms (in the real-terms figures shown here it may fall by inflation, {inflation} a year)"
            )
        return clause
    if kind == "ceiling":
        return (
            f"this area's settlement cannot grow by more than {_param(g('gamma'), years, _pc)} on last year's"
        )
    if kind == "per_capita_minimum":
        return f"this area must receive at least {_param(g('mu_gbp_per_head'), years, lambda v: f'£{v:,.0f}')} per resident"
    if kind == "ring_fenced_mix":
        beta = g("beta", 0.0)
        return (
            "without an integrated settlement, each stream must stay within "
            f"{beta * 100:.0f} percentage points of its share of this area's baseline funding"
        )
    if kind == "equity_ratio":
        rho = _param(g("rho"), years, lambda v: f"{v:g} times")
        return f"this area cannot receive more than {rho} the national amount per head"
    if kind == "capital_share":
        return (
            f"capital must be between {_pc(g('lo', 0.0))} and {_pc(g('hi', 1.0))} of this area's settlement"
        )
    if kind == "convergence":
        return f"this area cannot be more than {_param(g('kappa'), years, _pc)} below its formula target (its fair share)"
    if kind == "neighbour_parity":
        tau = _param(g("tau"), years, _pc)
        return f"this area's £ per head cannot differ from a neighbour's by more than {tau} of the national £ per head"
    if kind == "envelope":
        held_back = f", less {_pc(g('headroom_share', 0.0))} held back" if g("headroom_share", 0.0) else ""
        verb = "is allocated in full" if g("must_allocate") else "caps what is allocated"
        return f"the national {g('budget')} envelope for each year{held_back} {verb}"
    if kind == "multi_year_total":
        verb = "exactly" if g("must_allocate") else "at most"
        return f"{g('budget')} allocations over the years covered total {verb} £{g('amount_gbp', 0.0) / 1e6:,.1f}m"
    if kind == "ring_fence":
        bound = "at least" if g("sense", "min") == "min" else "at most"
        if g("amount_gbp") is not None:
            size = _param(g("amount_gbp"), years, lambda v: f"£{v / 1e6:,.1f}m")
        else:
            size = _param(g("share"), years, _pc) + " of its budget's envelope"
        return f"{stream_label(g('stream', ''), scenario)} receives {bound} {size} nationally each year"
    description = g("description", "") or ""
    return description.rstrip(".") if description else f"a rule of kind {kind_name(kind)} applies"


def capacity_meaning(stream: str, scenario: Any) -> str:
    spec = scenario.streams.get(stream) if scenario is not None else None
    zmax = f" (£{spec.zmax_gbp_per_head:,.0f} per resident)" if spec is not None else ""
    return f"{stream_label(stream, scenario)} is at the most this area can use well in a year{zmax}"


def years_phrase(years: Sequence[int], all_years: Sequence[int]) -> str:
    years = sorted(int(y) for y in years)
    if len(all_years) > 1 and list(years) == sorted(int(y) for y in all_years):
        return f"every year ({fy(years[0])} to {fy(years[-1])})"
    return f"in {and_list([fy(y) for y in years])}"


def holding_rules(binding: pd.DataFrame, code: str, scenario: Any) -> list[dict[str, str]]:
    """The rules holding an area's figure, one entry per rule: ``label``, ``sentence`` (plain English),
    ``description`` (the rule's own, from the scenario) and ``price`` (what easing it here would buy)."""
    if binding is None or binding.empty:
        return []
    rows = binding[binding["area_code"] == code]
    out = []
    for rule_id, group in rows.groupby("rule_id", sort=True):
        kind = str(group["kind"].iloc[0])
        years = sorted(int(y) for y in group["year"].unique())
        when = years_phrase(years, scenario.years)
        label = rule_label(str(rule_id), kind, scenario)
        spec = scenario.rules.get(str(rule_id))
        if kind == "capacity":
            stream = str(rule_id).split(":", 1)[-1]
            sentence = f"{label}: {capacity_meaning(stream, scenario)}; it is at that level {when}."
            description = ""
        else:
            clause = meaning(spec, scenario) if spec is not None else f"a {kind_name(kind)} rule applies"
            sentence = f"{label}: {clause}; {HELD.get(kind, 'it is held at that bound')} {when}."
            description = getattr(spec, "description", "") if spec is not None else ""
        duals = pd.to_numeric(group["dual"], errors="coerce").abs().dropna()
        price = ""
        if len(duals) and duals.max() * 1e6 >= 5e3:
            worth = money(float(duals.max()) * 1e6)
            if kind in LOWER_BOUNDS:
                price = f"Releasing £1m of it here would free money that buys up to {worth} of mission value elsewhere."
            elif kind in UPPER_BOUNDS:
                price = f"Allowing £1m more here would buy up to {worth} of mission value."
            else:
                price = f"Easing it by £1m here would buy up to {worth} of mission value."
        out.append({"label": label, "sentence": sentence, "description": description, "price": price})
    return out


def national_prices(s: Any) -> list[str]:
    """Sentences for the national rows (envelopes, multi-year totals, ring-fences), largest first within
    each rule, e.g. "£1m more resource in 2027-28 buys £2.7m of mission value"."""
    sp = s.shadow_prices
    if sp is None or sp.empty:
        return []
    unit = "of distance from the formula" if s.scenario.objective.mode == "formula" else "of mission value"
    out = []
    for r in sp[sp["scope"] == "national row"].itertuples(index=False):
        v = float(r.value_per_gbp_m)
        when = f" in {fy(int(r.year))}" if _finite(r.year) else " over the settlement years"
        spec = s.scenario.rules.get(str(r.rule_id))
        kind = str(r.kind)
        if kind == "envelope":
            what = f"£1m more {r.budget}{when}"
        elif kind == "multi_year_total":
            what = f"£1m more in the {r.budget} multi-year total ({humanise(str(r.rule_id))})"
        elif kind == "ring_fence":
            stream = getattr(spec, "stream", "") if spec is not None else (r.stream or "")
            sense = getattr(spec, "sense", "min") if spec is not None else "min"
            bound = "at least" if sense == "min" else "at most"
            what = f"£1m more in the ring-fence on {stream_label(str(stream), s.scenario)} ({bound}){when}"
        else:
            what = f"£1m more under {rule_label(str(r.rule_id), kind, s.scenario)}{when}"
        if abs(v) < 5e3:
            continue
        verb = "buys" if v > 0 else "would cost"
        out.append(f"{what} {verb} {money(abs(v))} {unit}.")
    return out


def rule_prices(s: Any) -> list[str]:
    """Sentences for the rules that hold areas (floors, ceilings...): per rule and year, how many areas
    it holds and what easing it by £1m in each would buy (summed from the binding rows' duals)."""
    b = s.binding
    if b is None or b.empty or "dual" not in b:
        return []
    b = b[b["kind"] != "capacity"].assign(
        worth=lambda d: pd.to_numeric(d["dual"], errors="coerce").abs() * 1e6
    )
    out = []
    for (rule_id, kind, year), g in b.groupby(["rule_id", "kind", "year"], sort=True):
        n = g["area_code"].nunique()
        total = float(g["worth"].sum())
        if total < 5e3:
            continue
        label = rule_label(str(rule_id), str(kind), s.scenario)
        areas = "area" if n == 1 else "areas"
        out.append(
            f"{label} holds {n} {areas} in {fy(int(year))}: easing it by £1m in each would buy about "
            f"{money(total)} of mission value ({money(total / n)} an area)."
        )
    return out


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False
