"""The comparison page: this settlement against another, area by area, with a map of the change and the
biggest winners and losers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.compare import Comparison
from allocator.reports.html_data import ReportData
from allocator.reports.html_kit import (
    el,
    facts,
    figure,
    filter_box,
    join,
    money,
    num,
    page,
    signed_money,
    signed_pct,
    signed_per_head,
    table,
)
from allocator.reports.maps import legend
from allocator.units import fy


def _area_rows(d: ReportData, cmp: Comparison, frame: pd.DataFrame, n_years: int) -> list[list[Any]]:
    a, b = cmp.names
    rows = []
    for code, r in frame.iterrows():
        name = r["area_name"] if isinstance(r["area_name"], str) else str(code)
        link = el("a", name, href=f"areas/{d.pages[code]}") if code in d.pages else name
        ph = r["change_per_head_gbp"] / n_years
        rows.append(
            [
                link,
                code,
                num(money(r[f"{a}_gbp"]), r[f"{a}_gbp"]),
                num(money(r[f"{b}_gbp"]), r[f"{b}_gbp"]),
                num(signed_money(r["change_gbp"]), r["change_gbp"]),
                num(signed_pct(r["change_pct"]), r["change_pct"]) if r[f"{a}_gbp"] else num("new", None),
                num(signed_per_head(ph), ph),
            ]
        )
    return rows


def _head(cmp: Comparison) -> list[Any]:
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


def compare_page(d: ReportData, cmp: Comparison, map_svg: str | None, classes: Any, n: int = 10) -> str:
    a, b = cmp.names
    by_area = cmp.by_area
    n_years = len(d.years)
    total_a, total_b = float(by_area[f"{a}_gbp"].sum()), float(by_area[f"{b}_gbp"].sum())
    gaining = int((by_area["change_gbp"] > 0.5).sum())
    losing = int((by_area["change_gbp"] < -0.5).sum())
    dv = cmp.value.at["V", "change"] if "V" in cmp.value.index else None
    key = facts(
        [
            ("Change in the total", signed_money(total_b - total_a), f"{money(total_a)} to {money(total_b)}"),
            (
                "Change in mission value (V)",
                signed_money(dv) if dv is not None and pd.notna(dv) else "–",
                f"{b} against {a}",
            ),
            (
                "Areas gaining",
                f"{gaining:,}",
                f"{losing:,} losing, {len(by_area) - gaining - losing:,} unchanged",
            ),
        ]
    )
    yb = cmp.by_year.reset_index()
    year_rows = [
        [
            fy(int(r["year"])),
            str(r["budget"]).capitalize(),
            num(money(r[f"{a}_gbp"]), r[f"{a}_gbp"]),
            num(money(r[f"{b}_gbp"]), r[f"{b}_gbp"]),
            num(signed_money(r["change_gbp"]), r["change_gbp"]),
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
                    num(signed_money(r["change"]), r["change"]),
                ]
            )
    winners, losers = cmp.winners_and_losers(n)
    winners = winners[winners["change_gbp"] > 0.5]
    losers = losers[losers["change_gbp"] < -0.5]
    if map_svg is not None:
        fig = figure(
            map_svg,
            f"Change in £ per head a year, {b} against {a}",
            legend(classes, signed_per_head),
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
            f"Every change is {b} minus {a}, summed over {d.year_range()}; the area pages are those of {b}.",
            class_="lede",
        ),
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
        el("p", "Ranked by the change in £ per resident, so that large and small areas compare fairly."),
        el("h3", f"Biggest winners ({len(winners)})"),
        table(
            f"The {len(winners)} areas gaining most per head",
            _head(cmp),
            _area_rows(d, cmp, winners, n_years),
            id="winners-table",
        )
        if len(winners)
        else el("p", "No area gains."),
        el("h3", f"Biggest losers ({len(losers)})"),
        table(
            f"The {len(losers)} areas losing most per head",
            _head(cmp),
            _area_rows(d, cmp, losers, n_years),
            id="losers-table",
        )
        if len(losers)
        else el("p", "No area loses."),
        el("h2", "Every area", id="areas"),
        search,
        table(
            f"Every area, {b} against {a} ({len(by_area)} areas)",
            _head(cmp),
            _area_rows(d, cmp, by_area.sort_values("area_name"), n_years),
            sortable=True,
            id="compare-areas",
            class_="wide",
        ),
    )
    nav = [("index.html#areas", "Every area"), ("compare.html#winners", "Winners and losers")]
    return page(f"Comparison: {b} against {a}", body, nav=nav, scenario=d.s.scenario.name)
