"""The comparison page: this settlement against another, area by area, with a map of the change and the
biggest winners and losers."""

from __future__ import annotations

import pandas as pd

from allocator.compare import NO_CHANGE_PER_HEAD_GBP, Comparison
from allocator.reports.asked import Asked
from allocator.reports.context import ReportContext
from allocator.reports.html_kit import (
    Cell,
    Content,
    Markup,
    el,
    facts,
    figure,
    filter_box,
    join,
    num,
    page,
    table,
)
from allocator.reports.maps import Classes, legend
from allocator.units import fy, money, pct, per_head


def _signed_head(x: float) -> str:
    return per_head(x, signed=True)


def _legend_head(x: float) -> str:
    """A class boundary: pence near zero, so the edges of "no change" read as such (-£0.50, +£0.50)."""
    return per_head(x, signed=True, pence=abs(x) < 1)


def _area_rows(d: ReportContext, cmp: Comparison, frame: pd.DataFrame) -> list[list[Cell | Content]]:
    a, b = cmp.names
    rows = []
    for code, r in frame.iterrows():
        name = r["area_name"] if isinstance(r["area_name"], str) else str(code)
        link = el("a", name, href=f"areas/{d.pages[code]}") if code in d.pages else name
        ph = r["change_per_head_gbp"]
        rows.append(
            [
                link,
                code,
                num(money(r[f"{a}_gbp"]), r[f"{a}_gbp"]),
                num(money(r[f"{b}_gbp"]), r[f"{b}_gbp"]),
                num(money(r["change_gbp"], signed=True), r["change_gbp"]),
                num(pct(r["change_pct"], signed=True), r["change_pct"])
                if r[f"{a}_gbp"]
                else num("new", None),
                num(_signed_head(ph), ph),
            ]
        )
    return rows


def _head(cmp: Comparison) -> list[Cell | Content]:
    a, b = cmp.names
    return [
        "Area",
        "Code",
        num(f"{a}, all years", None),
        num(f"{b}, all years", None),
        num("Change", None),
        num("Change %", None),
        num("Change, £ per head a year", None),
    ]


def asked_section(a: str, b: str, asked_a: Asked | None, asked_b: Asked) -> Markup:
    """What each of the two runs was asked."""
    items = []
    for name, asked in ((a, asked_a), (b, asked_b)):
        if asked is None:
            continue
        lines = asked.lines()
        items.append(
            el(
                "li",
                el("strong", name),
                ": ",
                lines[0].removeprefix("Scenario: "),
                el("ul", [el("li", x) for x in lines[1:]]) if len(lines) > 1 else None,
            )
        )
    return el("ul", items, class_="runs")


def compare_page(
    d: ReportContext,
    cmp: Comparison,
    other: ReportContext | None,
    map_svg: str | None,
    classes: Classes | None,
    n: int = 10,
) -> str:
    a, b = cmp.names
    by_area = cmp.by_area
    total_a, total_b = float(by_area[f"{a}_gbp"].sum()), float(by_area[f"{b}_gbp"].sum())
    gaining, losing, same = cmp.counts()
    dv = cmp.value.at["V", "change"] if "V" in cmp.value.index else None
    threshold = per_head(NO_CHANGE_PER_HEAD_GBP, pence=True)
    key = facts(
        [
            (
                "Change in the total",
                money(total_b - total_a, signed=True),
                f"{money(total_a)} to {money(total_b)}",
            ),
            (
                "Change in mission value (V)",
                money(dv, signed=True) if dv is not None and pd.notna(dv) else "–",
                f"{b} against {a}",
            ),
            ("Areas gaining", f"{gaining:,}", f"{losing:,} losing, {same:,} with no change"),
        ]
    )
    yb = cmp.by_year.reset_index()
    year_rows = [
        [
            fy(int(r["year"])),
            str(r["budget"]).capitalize(),
            num(money(r[f"{a}_gbp"]), r[f"{a}_gbp"]),
            num(money(r[f"{b}_gbp"]), r[f"{b}_gbp"]),
            num(money(r["change_gbp"], signed=True), r["change_gbp"]),
        ]
        for _, r in yb.iterrows()
    ]
    value_rows = []
    labels = {"V": "Mission value (V)", "V_formula": "Mission value of the formula allocation"}
    for measure, r in cmp.value.iterrows():
        if pd.notna(r[a]) and pd.notna(r[b]):
            value_rows.append(
                [
                    labels.get(str(measure), str(measure)),
                    num(money(r[a]), r[a]),
                    num(money(r[b]), r[b]),
                    num(money(r["change"], signed=True), r["change"]),
                ]
            )
    winners, losers = cmp.winners_and_losers(n)
    no_change = f"No change (under {threshold} per resident a year either way)"
    if map_svg is not None:
        fig = figure(
            map_svg,
            f"Change in £ per head a year, {b} against {a}",
            legend(classes, _legend_head, no_change=no_change),
            legend_title="Change in £ per resident a year",
            note="Select an area to open its page.",
        )
    else:
        fig = el("p", "This settlement carries no boundaries, so there is no map.")
    search = filter_box("Find an area by name or code", "compare-filter", len(by_area), "compare-areas")
    body = join(
        el("p", el("a", "All areas", href="index.html#areas"), " › Comparison", class_="crumbs"),
        el("h1", f"Comparison: {b} against {a}"),
        el(
            "p",
            f"Every change is {b} minus {a}, summed over {d.year_range()}, and per resident a year; "
            f"the area pages are those of {b}.",
            class_="lede",
        ),
        asked_section(a, b, other.asked if other is not None else None, d.asked),
        key,
        el("h2", "By year and budget", id="by-year"),
        table(
            f"{b} against {a}, by year and budget",
            ["Year", "Budget", num(a, None), num(b, None), num("Change", None)],
            year_rows,
        ),
        table(
            f"Mission value, {b} against {a}",
            ["Measure", num(a, None), num(b, None), num("Change", None)],
            value_rows,
        )
        if value_rows
        else None,
        el("h2", "Map of the change", id="map"),
        el("div", fig, class_="map-one"),
        el("h2", "Biggest winners and losers", id="winners"),
        el(
            "p",
            "Ranked by the change in £ per resident a year, so that large and small areas compare fairly; "
            f"an area that moves by less than {threshold} per resident a year either way is not listed.",
        ),
        el("h3", f"Biggest winners ({len(winners)})"),
        table(
            f"The {len(winners)} areas gaining most per head",
            _head(cmp),
            _area_rows(d, cmp, winners),
            id="winners-table",
        )
        if len(winners)
        else el("p", "No area gains."),
        el("h3", f"Biggest losers ({len(losers)})"),
        table(
            f"The {len(losers)} areas losing most per head",
            _head(cmp),
            _area_rows(d, cmp, losers),
            id="losers-table",
        )
        if len(losers)
        else el("p", "No area loses."),
        el("h2", "Every area", id="areas"),
        search,
        table(
            f"Every area, {b} against {a} ({len(by_area)} areas)",
            _head(cmp),
            _area_rows(d, cmp, by_area.sort_values("area_name")),
            sortable=True,
            id="compare-areas",
            class_="wide",
        ),
    )
    nav = [("index.html#areas", "Every area"), ("compare.html#winners", "Winners and losers")]
    return page(f"Comparison: {b} against {a}", body, nav=nav, asked=d.asked, attribution=d.attribution)
