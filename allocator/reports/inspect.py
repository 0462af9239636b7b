"""A local leader's area page in the terminal (``allocator inspect OUT AREA``).

``find_area`` turns what a person types (a code in any case, a name, part of either, a near miss) into
an area code, or an InputError that lists the matches or suggests the nearest names. ``render_area``
prints the page as rich tables: the settlement by year and stream, per head against the national,
regional and neighbours' averages, the waterfall from baseline to settlement, the rules holding the
figure where it is (in plain English), the outcomes it is expected to buy, and whether the area has an
integrated settlement (a single pot) or ring-fenced streams.
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from allocator.errors import InputError, Problem
from allocator.selectors import expand
from allocator.settlement import Settlement
from allocator.units import fy, money, pct

MAX_LISTED = 10
"""Most matches listed when a partial name matches several areas."""


# --- finding an area -------------------------------------------------------------------------------


def _label(names: pd.Series, code: str) -> str:
    return f"{names[code]} ({code})"


def _not_found(message: str) -> InputError:
    return InputError([Problem("AREA", "", message)], "cannot find the area")


def find_area(settlement: Settlement, query: str) -> str:
    """The area code a person means by ``query``.

    Tried in order: an exact code (any case), an exact name (any case), then a unique part of a name or
    code.

    Args:
        settlement: the settlement whose areas are searched.
        query: what was typed, e.g. ``e08000003``, ``manchester`` or ``manch``.

    Returns:
        The area code.

    Raises:
        InputError: several areas match (they are listed), or none does (near names are suggested).
    """
    names = settlement.areas["area_name"].astype(str)
    codes = [str(c) for c in settlement.areas.index]
    q = str(query).strip().casefold()
    if not q:
        raise _not_found("is empty; give an area code or name")
    for code in codes:
        if code.casefold() == q:
            return code
    candidates = [c for c in codes if names[c].casefold() == q]
    if not candidates:
        candidates = [c for c in codes if q in names[c].casefold() or q in c.casefold()]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        listed = ", ".join(_label(names, c) for c in candidates[:MAX_LISTED])
        more = f" and {len(candidates) - MAX_LISTED} more" if len(candidates) > MAX_LISTED else ""
        raise _not_found(
            f"'{query}' matches {len(candidates)} areas: {listed}{more}; give more of the name, or the code"
        )
    by_key = {names[c].casefold(): c for c in codes} | {c.casefold(): c for c in codes}
    near = difflib.get_close_matches(q, list(by_key), n=3, cutoff=0.6)
    suggested = list(dict.fromkeys(by_key[k] for k in near))
    if suggested:
        labels = [_label(names, c) for c in suggested]
        options = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
        raise _not_found(f"no area matches '{query}'; did you mean {options}?")
    example = codes[0] if codes else "E06000001"
    raise _not_found(f"no area matches '{query}'; give an area code (e.g. {example}) or part of a name")


# --- plain English for the rules -------------------------------------------------------------------


def _phrase(one: str, many: str, value: Any, years: list[int], fmt) -> str:
    """``one`` with ``{v}`` filled when a dated parameter is the same in each of ``years``; otherwise
    ``many`` followed by the value year by year."""
    if value is None:
        return many
    by_year = expand(value, years)
    shown = {y: fmt(by_year[y]) for y in years}
    if len(set(shown.values())) == 1:
        return one.format(v=shown[years[0]])
    return f"{many}: " + ", ".join(f"{v} in {fy(y)}" for y, v in shown.items())


def _share(x: float) -> str:
    return f"{x * 100:g}%"


def rule_in_plain_english(settlement: Settlement, rule_id: str, kind: str, years: list[int]) -> str:
    """What a rule at its bound means for one area, e.g. "its settlement cannot fall below 100% of last
    year's in cash terms", from the rule's kind and its parameters in the scenario (over ``years``)."""
    sc = settlement.scenario
    if kind == "capacity" or str(rule_id).startswith("capacity:"):
        stream = str(rule_id).split(":", 1)[-1]
        spec = sc.streams.get(stream)
        cap = f" (£{spec.zmax_gbp_per_head:,.2f} per head)" if spec is not None else ""
        return f"its {stream} allocation is at the most it can use{cap}"
    spec = sc.rules.get(rule_id)
    if spec is None:
        return "is at its limit"
    p = spec.model_dump()
    when = years or settlement.years
    if kind == "floor":
        real = bool(p.get("real"))
        what = (
            "spending power (grant and council tax)" if p.get("basis") == "spending_power" else "settlement"
        )
        terms = "in real terms" if real else "in cash terms"
        text = _phrase(
            f"its {what} cannot fall below {{v}} of last year's {terms}",
            f"its {what} cannot fall below a set share of last year's {terms}",
            p.get("phi"),
            when,
            _share,
        )
        if not real and sc.amounts == "real":
            text += " (in these real-terms figures it may fall by inflation)"
        elif real and sc.amounts == "cash":
            text += " (in these cash figures it must rise with inflation)"
        return text
    if kind == "ceiling":
        return _phrase(
            "its settlement cannot grow by more than {v} a year",
            "its settlement cannot grow by more than a set share a year",
            p.get("gamma"),
            when,
            _share,
        )
    if kind == "per_capita_minimum":
        return _phrase(
            "it must receive at least {v} per resident",
            "it must receive at least a set amount per resident",
            p.get("mu_gbp_per_head"),
            when,
            lambda v: f"£{v:,.2f}",
        )
    if kind == "equity_ratio":
        return _phrase(
            "it cannot receive more than {v} times the national amount per head",
            "it cannot receive more than a set multiple of the national amount per head",
            p.get("rho"),
            when,
            lambda v: f"{v:g}",
        )
    if kind == "convergence":
        return _phrase(
            "it cannot sit more than {v} below its formula target",
            "it cannot sit more than a set share below its formula target",
            p.get("kappa"),
            when,
            _share,
        )
    if kind == "neighbour_parity":
        return _phrase(
            "its £ per head cannot differ from a neighbour's by more than {v} of the national £ per head",
            "its £ per head cannot differ from a neighbour's by more than a set share of the national £ per head",
            p.get("tau"),
            when,
            _share,
        )
    if kind == "ring_fenced_mix":
        beta = p.get("beta", 0.0) * 100
        return f"each stream must stay within {beta:g} points of its baseline share of its total"
    if kind == "capital_share":
        return (
            f"capital must be between {_share(p.get('lo', 0.0))} and {_share(p.get('hi', 1.0))} of its total"
        )
    if kind in ("envelope", "multi_year_total", "ring_fence"):
        return "a national total is fully used, so more here means less elsewhere"
    return "is at its limit"


def rule_lines(settlement: Settlement, code: str) -> list[str]:
    """One plain-English line per rule at its bound for the area, naming the years it binds."""
    b = settlement.binding
    if b is None or b.empty:
        return []
    mine = b[b["area_code"] == code]
    lines = []
    for (rule_id, kind), rows in mine.groupby(["rule_id", "kind"], sort=True):
        years = sorted(int(y) for y in rows["year"].unique())
        labels = [fy(y) for y in years]
        when = "every year" if years == settlement.years else "in " + " and ".join(labels)
        if len(labels) > 2 and years != settlement.years:
            when = f"in {', '.join(labels[:-1])} and {labels[-1]}"
        plain = rule_in_plain_english(settlement, rule_id, kind, years)
        line = f"{rule_id} ({kind}): {plain}; at its limit {when}"
        spec = settlement.scenario.rules.get(rule_id)
        if spec is not None and spec.description:
            line += f". {spec.description.strip()}"
        lines.append(line)
    return lines


# --- the page --------------------------------------------------------------------------------------


def _per_head(x: float) -> str:
    return "-" if pd.isna(x) else f"£{x:,.2f}"


def _signed(x: float) -> str:
    if pd.isna(x):
        return "-"
    if abs(x) < 0.5:
        return "£0"
    return ("+" if x > 0 else "") + money(x)


def _signed_pct(x: float) -> str:
    return "-" if pd.isna(x) else ("+" if x >= 0 else "") + pct(x)


def _num(x: float, change: bool = False) -> str:
    if pd.isna(x):
        return "-"
    if change:
        return "0" if abs(x) < 1e-12 else f"{x:+.3g}"
    return f"{x:,.4g}"


def _per_head_by_year(totals: pd.DataFrame, codes: list[str]) -> pd.Series:
    """Population-weighted £ per head of a group of areas, by year (NaN for an empty group)."""
    group = totals[totals.index.get_level_values("area_code").isin(codes)]
    sums = group.groupby(level="year")[["amount_gbp", "population"]].sum()
    return sums["amount_gbp"] / sums["population"].where(sums["population"] > 0)


def neighbours(settlement: Settlement, code: str) -> list[str]:
    """Codes of the areas sharing a boundary with ``code`` (sorted)."""
    adj = settlement.adjacency
    if adj is None or adj.empty:
        return []
    found = set(adj.loc[adj["area_code"] == code, "neighbour_code"]) | set(
        adj.loc[adj["neighbour_code"] == code, "area_code"]
    )
    return sorted(str(c) for c in found if c != code)


def render_area(console: Console, settlement: Settlement, code: str) -> None:
    """Print an area's page: settlement, comparisons, waterfall, binding rules, outcomes, settlement type.

    Args:
        console: where to print.
        settlement: the settlement.
        code: the area code (``find_area`` turns a typed name into one).

    Raises:
        InputError: ``code`` is not an area of the settlement.
    """
    if code not in settlement.areas.index:
        raise _not_found(f"'{code}' is not an area of this settlement; try a name or part of one")
    _render_header(console, settlement, code)
    _render_streams(console, settlement, code)
    _render_per_head(console, settlement, code)
    _render_waterfall(console, settlement, code)
    console.print("[bold]Rules holding its figure where it is[/]")
    lines = rule_lines(settlement, code)
    for line in lines:
        console.print(f"  - {escape(line)}")
    if not lines:
        console.print("  - none at its limit: the optimisation set its figure within the national envelopes")
    _render_outcomes(console, settlement, code)


def _region(settlement: Settlement, code: str) -> Any:
    column = settlement.scenario.geography.region_column
    if not column or column not in settlement.areas:
        return None
    value = settlement.areas.at[code, column]
    return None if pd.isna(value) else value


def _render_header(console: Console, settlement: Settlement, code: str) -> None:
    area, geo = settlement.areas.loc[code], settlement.scenario.geography
    console.print(f"[bold]{escape(str(area['area_name']))}[/] ({code})   {escape(settlement.scenario.name)}")
    facts = [f"population {area['population']:,.0f}"]
    if geo.tier_column in settlement.areas and pd.notna(area.get(geo.tier_column)):
        facts.insert(0, str(area[geo.tier_column]))
    if (region := _region(settlement, code)) is not None:
        facts.insert(0, f"region {region}")
    console.print("  " + escape(", ".join(facts)))
    if bool(area["integrated"]):
        console.print("  integrated settlement (single pot): it may move funding between streams")
    else:
        console.print("  ring-fenced streams: each stream's funding is for that stream")


def _render_streams(console: Console, settlement: Settlement, code: str) -> None:
    sc, years = settlement.scenario, settlement.years
    mine = settlement.area_year_totals().xs(code, level="area_code")
    alloc = settlement.allocations[settlement.allocations["area_code"] == code]
    wide = alloc.pivot_table(index="stream", columns="year", values="amount_gbp", aggfunc="sum")
    table = Table(title="Settlement by year and stream", show_edge=False)
    table.add_column("stream")
    table.add_column("budget")
    for y in years:
        table.add_column(fy(y), justify="right")
    for budget in sc.budgets:
        for stream, spec in sc.streams.items():
            if spec.budget == budget:
                row = wide.loc[stream] if stream in wide.index else pd.Series(dtype=float)
                amounts = [money(row[y]) if pd.notna(row.get(y)) else "-" for y in years]
                table.add_row(escape(spec.label or stream), budget, *amounts)
    table.add_section()
    for budget in sc.budgets:
        table.add_row(f"total {budget}", "", *(money(mine.loc[y, f"{budget}_gbp"]) for y in years))
    table.add_row("[bold]total[/]", "", *(f"[bold]{money(mine.loc[y, 'amount_gbp'])}[/]" for y in years))
    table.add_row("change on the year before", "", *(_signed(mine.loc[y, "change_gbp"]) for y in years))
    table.add_row("", "", *(_signed_pct(mine.loc[y, "change_pct"]) for y in years))
    since = [_signed_pct(mine.loc[y, "change_vs_baseline_pct"]) for y in years]
    table.add_row("change since the baseline", "", *since)
    console.print(table)
    console.print(
        f"  over {len(years)} years: {money(mine['amount_gbp'].sum())} "
        f"(baseline {fy(years[0] - 1)}: {money(mine['baseline_gbp'].iloc[0])})"
    )


def _render_per_head(console: Console, settlement: Settlement, code: str) -> None:
    areas, totals = settlement.areas, settlement.area_year_totals()
    mine = totals.xs(code, level="area_code")
    near = neighbours(settlement, code)
    national = _per_head_by_year(totals, list(areas.index))
    comparisons: list[tuple[str, pd.Series]] = []
    if (region := _region(settlement, code)) is not None:
        members = areas.index[areas[settlement.scenario.geography.region_column] == region]
        comparisons.append((f"{region} average", _per_head_by_year(totals, list(members))))
    if near:
        comparisons.append((f"neighbours' average ({len(near)})", _per_head_by_year(totals, near)))
    table = Table(title="£ per head, against others", show_edge=False)
    table.add_column("year")
    for title in (str(areas.at[code, "area_name"]), "national average", "vs national"):
        table.add_column(escape(title), justify="right")
    for title, _ in comparisons:
        table.add_column(escape(title), justify="right")
    for y in settlement.years:
        own = mine.loc[y, "per_head_gbp"]
        vs = own / national[y] - 1 if national.get(y) else float("nan")
        others = [_per_head(series.get(y)) for _, series in comparisons]
        table.add_row(fy(y), _per_head(own), _per_head(national[y]), _signed_pct(vs), *others)
    console.print(table)
    if near:
        console.print("  neighbours: " + escape(", ".join(_label(areas["area_name"], c) for c in near)))


def _render_waterfall(console: Console, settlement: Settlement, code: str) -> None:
    wf = settlement.waterfall()
    wf = wf[wf["area_code"] == code]
    table = Table(title="From baseline to settlement", show_edge=False)
    table.add_column("step")
    for y in settlement.years:
        table.add_column(fy(y), justify="right")
        table.add_column("change", justify="right")
    for (_, step), rows in wf.groupby(["step_order", "step"], sort=True):
        by_year = rows.set_index("year")
        cells = []
        for y in settlement.years:
            change = "" if step == "baseline" else _signed(by_year.loc[y, "change_gbp"])
            cells += [money(by_year.loc[y, "amount_gbp"]), change]
        table.add_row(str(step), *cells)
    console.print(table)


def _render_outcomes(console: Console, settlement: Settlement, code: str) -> None:
    out = settlement.outcomes
    if out is None or out.empty:
        return
    out = out[out["area_code"] == code]
    years = settlement.years
    table = Table(
        title="Outcomes it is expected to buy (projected change of each indicator)", show_edge=False
    )
    table.add_column("mission", max_width=30)
    table.add_column("measured by", max_width=30)
    table.add_column("better")
    table.add_column("now", justify="right")
    for y in years:
        table.add_column(fy(y), justify="right")
    table.add_column("national target", justify="right")
    missions = [m for m in settlement.scenario.missions if m in set(out["mission"])]
    for mission in missions:
        rows = out[out["mission"] == mission]
        spec = settlement.scenario.missions[mission]
        by_year = rows.set_index("year")
        table.add_row(
            escape(spec.label or str(mission)),
            escape(spec.unit or str(rows["indicator"].iloc[0])),
            "lower" if spec.direction == "lower_is_better" else "higher",
            _num(by_year["current_value"].iloc[0]),
            *(_num(by_year["projected_change"].get(y), change=True) for y in years),
            _num(spec.target),
        )
    console.print(table)
