"""Plain English for every report: what each rule requires, which rules hold an area's figure, and what
the shadow prices say ("£1m more resource in 2027-28 buys £2.7m of mission value").

Format-neutral: every function returns plain text, and the HTML, terminal and workbook renderers each make
it safe for where it goes (escaping, markup, formula starts). What a rule says comes from its kind
(``allocator.rules``: label, direction, held, requirement), so the three outputs say the same thing; the
one thing that is not a rule kind, a stream at its absorptive capacity (``capacity:<stream>`` rows of the
binding table), is worded here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from allocator.rules import KINDS, make_rule
from allocator.rules.ring_fence import RingFenceSpec
from allocator.units import fy, fy_list, fy_range, money, per_head, plural

if TYPE_CHECKING:
    from allocator.schema import Scenario
    from allocator.settlement import Settlement
    from allocator.verify import VerificationRow

CAPACITY = "capacity"
"""Kind of the binding rows of a stream at its absorptive capacity (rule_id ``capacity:<stream>``)."""
PRICE_SHOWN_GBP = 5e3
"""Shadow prices below £5k of mission value per £1m are left out of the sentences."""


def humanise(identifier: str) -> str:
    """``funding_guarantee`` -> ``Funding guarantee``."""
    text = str(identifier).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def sentence(clause: str) -> str:
    """A clause as a sentence: capital first letter, full stop."""
    clause = clause.strip()
    return clause[:1].upper() + clause[1:] + ("" if clause.endswith(".") else ".")


def stream_label(stream: str, scenario: Scenario | None) -> str:
    spec = scenario.streams.get(stream) if scenario is not None and stream else None
    return (spec.label if spec is not None and spec.label else humanise(stream)) if stream else ""


def mission_label(mission: str, scenario: Scenario) -> str:
    spec = scenario.missions.get(mission)
    return spec.label if spec is not None and spec.label else humanise(mission)


def _capacity_stream(rule_id: str) -> str:
    return str(rule_id).split(":", 1)[-1]


def kind_label(kind: str) -> str:
    """A kind's name for a reader ("minimum per head"); the capacity rows' name for them."""
    if kind == CAPACITY:
        return "absorptive capacity"
    cls = KINDS.get(kind)
    return cls.label if cls is not None else kind.replace("_", " ")


def rule_label(rule_id: str, kind: str, scenario: Scenario | None = None) -> str:
    """``Funding guarantee (floor)``; ``Absorptive capacity: Local transport`` for capacity rows."""
    if kind == CAPACITY or str(rule_id).startswith("capacity:"):
        return f"Absorptive capacity: {stream_label(_capacity_stream(rule_id), scenario)}"
    return f"{humanise(rule_id)} ({kind_label(kind)})"


def requirement(rule_id: str, scenario: Scenario) -> str:
    """What the rule requires, as a sentence, from its kind and its resolved parameters (the same in the
    HTML, the terminal and the workbook); for capacity rows, what the stream's capacity is."""
    if str(rule_id).startswith("capacity:"):
        stream = _capacity_stream(rule_id)
        spec = scenario.streams.get(stream)
        cap = f" ({per_head(spec.zmax_gbp_per_head)} per resident a year)" if spec is not None else ""
        return sentence(f"{stream_label(stream, scenario)} is at the most an area can use well{cap}")
    spec = scenario.rules.get(rule_id)
    if spec is None:
        return ""
    return sentence(make_rule(rule_id, spec).requirement(scenario))


def held_phrase(kind: str) -> str:
    """What being at the bound means for an area: "it is held at that floor"."""
    if kind == CAPACITY:
        return "it is at that level"
    cls = KINDS.get(kind)
    return cls.held if cls is not None else "it is held at that bound"


def direction(kind: str) -> str:
    if kind == CAPACITY:
        return "upper"
    cls = KINDS.get(kind)
    return cls.direction if cls is not None else "range"


def years_phrase(years: list[int], all_years: list[int]) -> str:
    years = sorted(int(y) for y in years)
    if len(all_years) > 1 and years == sorted(int(y) for y in all_years):
        return f"every year ({fy_range(years)})"
    return f"in {fy_list(years)}"


@dataclass(frozen=True)
class Holding:
    """One rule holding an area's figure: its label, the sentence of what it requires, when it holds the
    area, the rule's own description (when it still describes the rule as run) and its price here."""

    rule_id: str
    kind: str
    label: str
    requirement: str
    when: str
    description: str
    price: str

    @property
    def text(self) -> str:
        """The whole line: label, requirement, and when it holds the area."""
        return f"{self.label}: {self.requirement} {sentence(f'{held_phrase(self.kind)} {self.when}')}"


def price_sentence(kind: str, worth_gbp: float) -> str:
    """What easing a rule holding an area by £1m would buy, worded by the direction of its bound."""
    if worth_gbp < PRICE_SHOWN_GBP:
        return ""
    worth = money(worth_gbp)
    side = direction(kind)
    if side == "lower":
        return (
            f"Releasing £1m of it here would free money that buys up to {worth} of mission value elsewhere."
        )
    if side == "upper":
        return f"Allowing £1m more here would buy up to {worth} of mission value."
    return f"Easing it by £1m here would buy up to {worth} of mission value."


def holdings_by_area(
    binding: pd.DataFrame | None, scenario: Scenario, stale: set[str] | frozenset[str] = frozenset()
) -> dict[str, list[Holding]]:
    """The rules holding each area's figure, one entry per rule (sorted by rule id), from the binding
    table in one pass. ``stale``: rules whose own description no longer fits (a run changed them)."""
    if binding is None or binding.empty:
        return {}
    worth = pd.to_numeric(binding["dual"], errors="coerce").abs() * 1e6 if "dual" in binding else 0.0
    grouped = (
        binding.assign(worth=worth)
        .groupby(["area_code", "rule_id", "kind"], sort=True)
        .agg(years=("year", lambda y: tuple(sorted({int(v) for v in y}))), worth=("worth", "max"))
    )
    all_years = list(scenario.years)
    texts: dict[tuple[str, str], tuple[str, str, str]] = {}
    out: dict[str, list[Holding]] = {}
    for (code, rule_id, kind), years, most in zip(
        grouped.index, grouped["years"], grouped["worth"].fillna(0.0), strict=True
    ):
        rule_id, kind = str(rule_id), str(kind)
        if (rule_id, kind) not in texts:
            spec = scenario.rules.get(rule_id)
            description = spec.description if spec is not None else ""
            texts[rule_id, kind] = (
                rule_label(rule_id, kind, scenario),
                requirement(rule_id, scenario),
                "" if rule_id in stale else description.strip(),
            )
        label, required, description = texts[rule_id, kind]
        holding = Holding(
            rule_id=rule_id,
            kind=kind,
            label=label,
            requirement=required,
            when=years_phrase(list(years), all_years),
            description=description,
            price="" if kind == CAPACITY else price_sentence(kind, float(most)),
        )
        out.setdefault(str(code), []).append(holding)
    return out


def national_prices(s: Settlement) -> list[str]:
    """Sentences for the national rows (envelopes, multi-year totals, ring-fences), e.g. "£1m more
    resource in 2027-28 buys £2.7m of mission value"; a negative price is worded as a cost."""
    sp = s.shadow_prices
    if sp is None or sp.empty:
        return []
    unit = "of distance from the formula" if s.scenario.objective.mode == "formula" else "of mission value"
    out = []
    for r in sp[sp["scope"] == "national row"].itertuples(index=False):
        v = float(r.value_per_gbp_m)
        if abs(v) < PRICE_SHOWN_GBP:
            continue
        when = f" in {fy(int(r.year))}" if _finite(r.year) else " over the settlement years"
        spec = s.scenario.rules.get(str(r.rule_id))
        kind = str(r.kind)
        if kind == "envelope":
            what = f"£1m more {r.budget}{when}"
        elif kind == "multi_year_total":
            what = f"£1m more in the {r.budget} multi-year total ({humanise(str(r.rule_id))})"
        elif isinstance(spec, RingFenceSpec):
            bound = "at least" if spec.sense == "min" else "at most"
            what = f"£1m more in the ring-fence on {stream_label(spec.stream, s.scenario)} ({bound}){when}"
        else:
            what = f"£1m more under {rule_label(str(r.rule_id), kind, s.scenario)}{when}"
        verb = "buys" if v > 0 else "would cost"
        out.append(f"{what} {verb} {money(abs(v))} {unit}.")
    return out


def shadow_price_line(rule_id: str, budget: str | None, year: int | None, value_per_gbp_m: float) -> str:
    """One national shadow price for the run summary: "resource_envelope (resource) 2026-27: £1m more buys
    £2.2m of mission value", a negative one as a cost."""
    where = f"{rule_id}{f' ({budget})' if budget else ''} {fy(year) if year is not None else 'all years'}"
    verb = "buys" if value_per_gbp_m >= 0 else "costs"
    return f"{where}: £1m more {verb} {money(abs(value_per_gbp_m))} of mission value"


def rule_prices(s: Settlement) -> list[str]:
    """Per rule and year: how many areas it holds and what easing it by £1m in each would buy."""
    b = s.binding
    if b is None or b.empty or "dual" not in b:
        return []
    b = b[b["kind"] != CAPACITY].assign(worth=lambda d: pd.to_numeric(d["dual"], errors="coerce").abs() * 1e6)
    out = []
    for (rule_id, kind, year), g in b.groupby(["rule_id", "kind", "year"], sort=True):
        n = g["area_code"].nunique()
        total = float(g["worth"].sum())
        if total < PRICE_SHOWN_GBP:
            continue
        label = rule_label(str(rule_id), str(kind), s.scenario)
        out.append(
            f"{label} holds {plural(n, 'area')} in {fy(int(year))}: easing it by £1m in each would buy about "
            f"{money(total)} of mission value ({money(total / n)} an area)."
        )
    return out


def verification_line(r: VerificationRow) -> str:
    """A verification row in words: "0 misses" or "3 misses (worst £1.2m, E06000001 2027)"."""
    n = int(r.violations)
    if not n:
        return "0"
    return f"{n:,} (worst {money(r.max_violation_gbp)}, {r.worst})"


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


ASSUMED = (
    "Mission value and the projected outcomes rest on modelling assumptions, not on measured data: each "
    "stream's effect on each mission, its response curve and how long its effect lasts, and the weight of "
    "each mission."
)
"""What every reader of mission value or outcomes is told, wherever they read them."""


def assumptions(scenario: Scenario) -> list[tuple[str, str]]:
    """The scenario's listed assumptions, as (what, value and source) pairs, in the file's order."""
    return [(what, text) for what, text in scenario.assumptions.items()]
