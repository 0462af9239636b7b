"""What each sheet of the analyst's workbook holds (``allocator.reports.excel`` writes them): the columns
with readable headers (name and unit) and their number formats, the Summary (what the run was asked and
its headline figures), the Areas sheet (an area's page in one row) and Provenance.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from allocator.reports import words
from allocator.reports.area_view import fact_text
from allocator.reports.context import ReportContext
from allocator.units import decimals_for, fy

MONEY = '£#,##0.0,,"m"'
"""£ shown in millions with one decimal; the cell keeps the exact £ value."""
PER_HEAD = "£#,##0.00"
PCT = "0.0%"
SMALL_MONEY = "£#,##0.00"
COUNT = "#,##0"
MAX_ROWS = 1_048_575
"""Excel's row limit less the header row; longer tables are cut there (Summary says so)."""
MAX_WIDTH = 60

HEADERS = {
    "area_code": "Area code",
    "area_name": "Area",
    "year": "Financial year",
    "stream": "Stream",
    "budget": "Budget",
    "amount_gbp": "Amount (£)",
    "per_head_gbp": "Per head (£ a year)",
    "population": "Population",
    "resource_gbp": "Resource (£)",
    "capital_gbp": "Capital (£)",
    "own_resources_gbp": "Own resources (£)",
    "spending_power_gbp": "Spending power (£)",
    "previous_gbp": "Previous year (£)",
    "previous_spending_power_gbp": "Previous year's spending power (£)",
    "change_gbp": "Change on the year before (£)",
    "change_pct": "Change on the year before (%)",
    "baseline_gbp": "Baseline (£)",
    "change_vs_baseline_pct": "Change since the baseline (%)",
    "formula_target_gbp": "Formula target (£, net of own resources)",
    "phased_target_gbp": "Phased target (£)",
    "formula_allocation_gbp": "Formula allocation (£)",
    "integrated": "Integrated settlement",
    "mission": "Mission",
    "indicator": "Indicator",
    "current_value": "Now",
    "projected_change": "Projected change",
    "projected_value": "Projected value",
    "target": "Target",
    "need": "Need (multiplier)",
    "value": "Mission value (£)",
    "formula_value": "Mission value of the formula allocation (£)",
    "rule_id": "Rule",
    "kind": "Kind",
    "scope": "Scope",
    "value_per_gbp_m": "Mission value per £1m more (£)",
    "dual": "Shadow price (mission value per £)",
    "mode": "Mode",
    "checked": "Figures checked",
    "violations": "Misses",
    "max_violation_gbp": "Largest miss (£)",
    "worst": "Where",
    "passed": "Holds",
    "step_order": "Step order",
    "step": "Step",
    "description": "The rule's description",
    "requirement": "What it requires",
    "total": "Total (£)",
}
"""Readable headers (name and unit) of the settlement's columns."""


@dataclass
class Column:
    """One column of a sheet: its header, values and number format (one for all, or one per cell)."""

    header: str
    values: list[Any]
    fmt: str | list[str | None] | None = None

    def format_of(self, row: int) -> str | None:
        return self.fmt[row] if isinstance(self.fmt, list) else self.fmt


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    freeze: tuple[int, int] = (1, 0)
    """Rows and columns kept in view (the header row, and the area's code and name)."""
    one_page: bool = False
    """Print on one page (the Summary); other sheets print one page wide."""


def header(name: str) -> str:
    """The readable header of a column: from ``HEADERS``, or the name in words with its unit."""
    if name in HEADERS:
        return HEADERS[name]
    for suffix, unit in (("_gbp_m", " (£m)"), ("_gbp", " (£)"), ("_pct", " (%)")):
        if name.endswith(suffix):
            return words.humanise(name.removesuffix(suffix)) + unit
    return words.humanise(name)


def sheets(ctx: ReportContext) -> list[Sheet]:
    """Every sheet but the Summary."""
    s = ctx.s
    names = s.areas["area_name"]
    wide = s.amounts()
    alloc = wide.reset_index()
    alloc["total"] = wide.sum(axis=1).to_numpy()
    labels = {st: f"{words.stream_label(st, ctx.scenario)} (£)" for st in wide.columns}
    streams = dict.fromkeys(wide.columns, MONEY) | {"total": MONEY}
    # each rule's words once, on the Verification sheet, rather than on every binding row
    verification = s.verification.copy() if s.verification is not None else pd.DataFrame()
    if "rule_id" in verification:
        rules = verification["rule_id"]
        verification.insert(2, "requirement", [words.requirement(r, ctx.scenario) for r in rules])
        verification.insert(3, "description", [_rule_description(ctx, r) for r in rules])
    return [
        Sheet("Areas", _areas(ctx), (1, 2)),
        Sheet("Allocations", _frame(_labelled(alloc, names), streams, labels), (1, 2)),
        Sheet("Area totals", _frame(_labelled(s.area_year_totals().reset_index(), names)), (1, 2)),
        Sheet("Outcomes", _outcomes(ctx), (1, 2)),
        Sheet("Shadow prices", _frame(_labelled(s.shadow_prices, names))),
        Sheet("Binding rules", _frame(_labelled(s.binding, names)), (1, 2)),
        Sheet("Waterfall", _frame(_labelled(s.waterfall(), names)), (1, 2)),
        Sheet("Verification", _frame(verification, {"max_violation_gbp": SMALL_MONEY})),
        Sheet("Scenario", _scenario_columns(s.scenario.resolved())),
        Sheet("Provenance", _provenance(ctx)),
    ]


def _labelled(df: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """``df`` with area_name after area_code (where it has them)."""
    out = df.reset_index(drop=True).copy()
    if "area_code" in out and "area_name" not in out:
        out.insert(out.columns.get_loc("area_code") + 1, "area_name", out["area_code"].map(names))
    return out


def year_formats(years: list[Any]) -> list[str | None]:
    """Number formats that show a financial year's start as its label (2026 as 2026-27): the cell keeps
    the year as a number, so it sorts and filters as one, and no column of labels repeats it as text."""
    return [
        f'0"-{(int(y) + 1) % 100:02d}"' if isinstance(y, numbers.Real) and math.isfinite(y) else None
        for y in years
    ]


def _guess_format(name: str) -> str | None:
    if "per_head" in name:
        return PER_HEAD
    if name.endswith("_pct"):
        return PCT
    if name.endswith(("_gbp", "_gbp_m")) or name in ("value", "formula_value"):
        return MONEY
    if name == "population":
        return COUNT
    return None


def _frame(
    df: pd.DataFrame, formats: dict[str, str | None] | None = None, labels: dict[str, str] | None = None
) -> list[Column]:
    """A DataFrame as columns, formats given or guessed from the column names, readable headers."""
    if df is None or len(df.columns) == 0:
        return [Column("Note", ["this table is empty for this settlement"])]
    formats, labels = formats or {}, labels or {}
    columns = []
    for c in df.columns:
        values = df[c].tolist()
        fmt = year_formats(values) if c == "year" else formats.get(str(c), _guess_format(str(c)))
        columns.append(Column(labels.get(str(c), header(str(c))), values, fmt))
    return columns


frame_columns = _frame
"""A DataFrame as a sheet's columns (for other workbooks, such as a sweep's)."""


def _rule_description(ctx: ReportContext, rule_id: str) -> str:
    """The rule's own description, unless the run changed the rule (then it may no longer fit)."""
    spec = ctx.scenario.rules.get(rule_id)
    if spec is None or rule_id in ctx.asked.changed_rules:
        return ""
    return spec.description


def _areas(ctx: ReportContext) -> list[Column]:
    """One row per area: who it is, its published figures, its settlement, its peers and its rules."""
    pa = ctx.per_area
    codes = ctx.codes
    cash_change = ctx.cash(ctx.amount)[:, -1] / np.where(ctx.baseline > 0, ctx.baseline, np.nan) - 1
    cols = [
        Column("Area code", codes),
        Column("Area", [ctx.names[c] for c in codes]),
        Column("Region", [ctx.regions[c] for c in codes]),
        Column("Tier", [ctx.tiers[c] for c in codes]),
        Column("Population", ctx.population.tolist(), COUNT),
        Column("Settlement", ["single pot" if i else "ring-fenced" for i in ctx.integrated]),
    ]
    for fact in ctx.facts:
        values = ctx.s.areas[fact.column].tolist()
        unit = {"gbp": " (£)", "gbp_per_head": " (£ per head)", "pct": " (%)"}.get(fact.unit, "")
        fmt = {"gbp": MONEY, "gbp_per_head": PER_HEAD, "pct": PCT}.get(fact.unit)
        if fact.unit == "text":
            values = [fact_text(fact, v) for v in values]
        cols.append(Column(f"{fact.label}{unit}", values, fmt))
    last = fy(ctx.years[-1])
    cols += [
        Column(f"Total, {ctx.year_range()} (£)", pa["total_gbp"].tolist(), MONEY),
        Column("Per head a year (£)", pa["per_head_gbp"].tolist(), PER_HEAD),
        Column(f"Change {last} on {ctx.baseline_year}, cash (%)", cash_change.tolist(), PCT),
        Column(
            f"Change {last} on {ctx.baseline_year}, real terms (%)",
            pa["real_change_vs_baseline_pct"].tolist(),
            PCT,
        ),
        Column(
            "Similar councils", ["; ".join(ctx.names[x] for x in ctx.similar.codes.get(c, [])) for c in codes]
        ),
        Column("Neighbours", ["; ".join(ctx.names[x] for x in ctx.neighbours[c]) for c in codes]),
        Column("Rules holding it", ["; ".join(h.label for h in ctx.holdings.get(c, [])) for c in codes]),
    ]
    return cols


def _outcomes(ctx: ReportContext) -> list[Column]:
    """The outcomes table with the mission's name and unit, and indicator values at their precision."""
    o = _labelled(ctx.s.outcomes, ctx.s.areas["area_name"])
    if o.empty:
        return _frame(o)
    missions = ctx.scenario.missions
    o.insert(
        o.columns.get_loc("mission") + 1,
        "mission_label",
        o["mission"].map(lambda m: words.mission_label(m, ctx.scenario)),
    )
    o.insert(
        o.columns.get_loc("indicator") + 1,
        "unit",
        o["mission"].map(lambda m: missions[m].unit if m in missions else ""),
    )
    level = [f"#,##0{'.' + '0' * d if d else ''}" for d in map(decimals_for, o["current_value"])]
    change = [f"#,##0.{'0' * (decimals_for(v) + 2)}" for v in o["current_value"]]
    formats = {"current_value": level, "projected_value": level, "target": level, "projected_change": change}
    cols = _frame(o, formats, {"mission_label": "Mission (name)", "unit": "Unit"})
    return cols


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts and lists as dotted keys; lists of plain values stay one row."""
    if isinstance(data, dict):
        if not data:
            return [(prefix, "{}")] if prefix else []
        return [kv for k, v in data.items() for kv in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(data, list):
        if all(not isinstance(v, dict | list) for v in data):
            return [(prefix, ", ".join(str(v) for v in data))]
        return [kv for i, v in enumerate(data) for kv in _flatten(v, f"{prefix}[{i}]")]
    return [(prefix, data)]


def _scenario_columns(resolved: dict[str, Any]) -> list[Column]:
    pairs = _flatten(resolved)
    return [Column("Key", [k for k, _ in pairs]), Column("Value", [v for _, v in pairs])]


class _Rows:
    """Rows of a section / item / value table, with a number format per row."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, Any, str | None]] = []

    def add(self, section: str, item: str, value: Any, fmt: str | None = None) -> None:
        self.rows.append((section, item, value, fmt))

    def columns(self) -> list[Column]:
        return [
            Column("Section", [r[0] for r in self.rows]),
            Column("Item", [r[1] for r in self.rows]),
            Column("Value", [r[2] for r in self.rows], [r[3] for r in self.rows]),
        ]


def summary(ctx: ReportContext, notes: list[str]) -> list[Column]:
    """What the run was asked and its headline figures (fits one printed page)."""
    s, sc, asked = ctx.s, ctx.scenario, ctx.asked
    r = _Rows()
    r.add("scenario", "name", sc.name)
    r.add("scenario", "file", asked.file)
    if asked.based_on:
        r.add("scenario", "based on", asked.based_on)
    for step in asked.steps:
        for change in step.changes or [step.note or "no value changed"]:
            r.add("scenario", f"{step.file} changes", change)
    for effect in asked.overrides:
        r.add("scenario", "changed by --set", effect)
    r.add("scenario", "description", sc.description.strip())
    r.add("scenario", "years", ", ".join(fy(y) for y in sc.years))
    r.add("scenario", "amounts", f"{sc.amounts} terms")
    r.add("scenario", "objective", sc.objective.mode)
    r.add("scenario", "areas", len(ctx.codes), COUNT)
    r.add("scenario", "areas on an integrated settlement", int(ctx.integrated.sum()), COUNT)
    r.add("scenario", "population", float(ctx.population.sum()), COUNT)
    totals = s.allocations.groupby(["year", "budget"])["amount_gbp"].sum()
    all_years = np.array([float(totals.xs(y, level="year").sum()) for y in ctx.years])
    other, other_name = (
        (ctx.cash(all_years), "cash") if ctx.in_real_terms else (ctx.real(all_years), "real terms")
    )
    for t, year in enumerate(ctx.years):
        for budget in sc.budgets:
            r.add("totals", f"{fy(year)} {budget}", float(totals.get((year, budget), 0.0)), MONEY)
            if budget in sc.envelopes:
                r.add("totals", f"{fy(year)} {budget} envelope", s.envelope(budget, year), MONEY)
        r.add("totals", f"{fy(year)} total", float(all_years[t]), MONEY)
        r.add("totals", f"{fy(year)} total, {other_name}", float(other[t]), MONEY)
    value = s.summary.get("value") or {}
    if value:
        r.add("mission value", "V (this settlement)", value.get("V"), MONEY)
        r.add("mission value", "V of the formula allocation", value.get("V_formula"), MONEY)
        r.add("mission value", "gain from optimising", value.get("gain"), MONEY)
        r.add("mission value", "gain from optimising, %", value.get("gain_pct"), PCT)
        r.add("mission value", "assumed", words.ASSUMED)
    for what, text in words.assumptions(sc):
        r.add("assumption", what, text)
        for mission, v in (value.get("by_mission") or {}).items():
            label = words.mission_label(mission, sc)
            r.add("mission value", f"{label}: V", v.get("V"), MONEY)
            r.add("mission value", f"{label}: V of the formula allocation", v.get("V_formula"), MONEY)
    ver = s.verification
    if ver is not None and len(ver):
        failed = ver.loc[~ver["passed"].astype(bool), "rule_id"].tolist()
        r.add("verification", "status", "every rule holds" if not failed else f"FAILED: {', '.join(failed)}")
        r.add("verification", "rules checked independently", len(ver), COUNT)
    else:
        r.add("verification", "status", "not verified")
    for line in ctx.attribution:
        r.add("data", "attribution", line)
    for note in notes:
        r.add("note", "truncated", note)
    return r.columns()


def _provenance(ctx: ReportContext) -> list[Column]:
    """How the run was made: solve, input files and their hashes, package versions, geography notes."""
    sm = ctx.s.summary or {}
    r = _Rows()
    for key, v in (sm.get("solve") or {}).items():
        r.add("solve", key, v)
    prov = sm.get("provenance") or {}
    for key, v in (prov.get("sources") or {}).items():
        if isinstance(v, list):
            for item in v:
                r.add("sources", key, str(item))
        elif not isinstance(v, dict):  # file_sha256: listed below with the data files' hashes
            r.add("sources", key, v)
    for file, digest in (prov.get("file_sha256") or {}).items():
        r.add("sha256", file, digest)
    for package, version in (prov.get("versions") or {}).items():
        r.add("versions", package, version)
    for note in prov.get("geography_notes") or []:
        r.add("geography", "note", note)
    return r.columns()
