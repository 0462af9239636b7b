"""One page per area: where it is, its settlement by year and stream, per head against the national
average, its neighbours, how the figure was reached, which rules hold it and what it is expected to buy."""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.reports import html_charts as charts
from allocator.reports import html_words as words
from allocator.reports.html_data import ReportData
from allocator.reports.html_explain import outcomes_section, rules_section, waterfall_section
from allocator.reports.html_kit import (
    Markup,
    and_list,
    el,
    facts,
    figure,
    join,
    money,
    num,
    page,
    people,
    per_head,
    signed_money,
    signed_pct,
    table,
)
from allocator.reports.maps import legend
from allocator.units import fy


def _vs(x: float, ref: float) -> str:
    if not ref:
        return ""
    r = x / ref - 1
    if abs(r) < 0.005:
        return "about the same as"
    return f"{abs(r) * 100:.0f}% {'above' if r > 0 else 'below'}"


def settlement_section(d: ReportData, code: str) -> Markup:
    s, sc = d.s, d.s.scenario
    amounts = d.amounts_by_area[code]
    totals = d.totals_by_area[code]
    eligible = d.streams_by_area.get(code, set())
    streams = [st for st in d.stream_order if st in eligible or amounts[st].abs().sum() > 0]
    head = ["Stream", "Budget", *(num(fy(y), None) for y in d.years)]
    if len(d.years) > 1:
        head.append(num("All years", None))
    rows = []
    for st in streams:
        vals = [float(amounts.at[y, st]) for y in d.years]
        row = [
            words.stream_label(st, sc),
            sc.streams[st].budget.capitalize(),
            *(num(money(v), v) for v in vals),
        ]
        if len(d.years) > 1:
            row.append(num(money(sum(vals)), sum(vals)))
        rows.append(row)
    tot = [float(totals.at[y, "amount_gbp"]) for y in d.years]
    foot = [
        ["Total", "", *(num(money(v), v) for v in tot)]
        + ([num(money(sum(tot)), sum(tot))] if len(d.years) > 1 else [])
    ]
    integrated = bool(s.areas.at[code, "integrated"])
    kind = (
        el(
            "p",
            el("strong", "Integrated settlement (single pot). "),
            "The authority receives one pot and decides how to spend it across the streams; the stream figures show where the model expects the money to buy the most.",
        )
        if integrated
        else el(
            "p",
            el("strong", "Ring-fenced streams. "),
            "Each stream's money is for that stream"
            + (
                " and, under the stream-mix rule, each stream stays close to its share of the baseline."
                if any(r.kind == "ring_fenced_mix" for r in sc.rules.values())
                else "."
            ),
        )
    )
    series = [(words.stream_label(st, sc), [float(amounts.at[y, st]) for y in d.years]) for st in streams]
    alt = (
        f"Stacked bar chart of {d.name(code)}'s settlement by stream: "
        + "; ".join(f"{fy(y)} {money(v)}" for y, v in zip(d.years, tot, strict=True))
        + ". The table above has every figure."
    )
    chart = charts.stacked_bars([fy(y) for y in d.years], series, alt=alt, prefix="streams-chart", fmt=money)
    return join(
        el("h2", "Settlement by year and stream", id="settlement"),
        kind,
        table(f"{d.name(code)}: settlement by year and stream", head, rows, foot=foot, id="streams"),
        el("figure", el("figcaption", "Settlement by year, stacked by stream"), chart),
    )


def per_head_section(d: ReportData, code: str) -> Markup:
    t = d.totals_by_area[code]
    region = d.region(code)
    region_ph = (
        d.region_per_head.loc[region].to_dict()
        if region is not None and region in d.region_per_head.index
        else {}
    )
    nb = d.neighbours[code]
    nb_ph = d.group_per_head(nb)
    head = ["Year", num(d.name(code), None)]
    if region_ph:
        head.append(num(f"{region} (region)", None))
    if nb_ph:
        head.append(num("Its neighbours together", None))
    head.append(num("National average", None))
    rows = []
    for y in d.years:
        row = [fy(y), num(per_head(t.at[y, "per_head_gbp"]), t.at[y, "per_head_gbp"])]
        if region_ph:
            row.append(num(per_head(region_ph.get(y)), region_ph.get(y)))
        if nb_ph:
            row.append(num(per_head(nb_ph.get(y)), nb_ph.get(y)))
        row.append(num(per_head(d.national_per_head[y]), d.national_per_head[y]))
        rows.append(row)
    last = d.years[-1]
    mine, nat = float(t.at[last, "per_head_gbp"]), float(d.national_per_head[last])
    sentence = f"In {fy(last)} {d.name(code)} receives {per_head(mine)} per resident, {_vs(mine, nat)} the national average of {per_head(nat)}."
    items = [(d.name(code), mine, True)]
    if region_ph:
        items.append((f"{region}", float(region_ph[last]), False))
    if nb_ph:
        items.append(("Neighbours together", float(nb_ph[last]), False))
    items.append(("National average", nat, False))
    alt = (
        f"Bar chart of £ per head in {fy(last)}: "
        + "; ".join(f"{k} {per_head(v)}" for k, v, _ in items)
        + "."
    )
    chart = charts.bars(items, alt=alt, prefix="per-head-chart", fmt=per_head)
    return join(
        el("h2", "Per head, against the national average", id="per-head"),
        el("p", sentence),
        table(
            f"{d.name(code)}: £ per resident by year, with its region, neighbours and the nation",
            head,
            rows,
            id="per-head-table",
        ),
        el("figure", el("figcaption", f"£ per resident in {fy(last)}"), chart),
    )


def neighbours_section(d: ReportData, code: str) -> Markup:
    nb = d.neighbours[code]
    if not nb:
        return join(
            el("h2", "Neighbours", id="neighbours"), el("p", "No area shares a boundary with this one.")
        )
    pa = d.per_area
    head = (
        ["Neighbour"]
        + (["Region"] if d.region_column else [])
        + [num("£ per head a year", None), num(f"Change {fy(d.years[-1])} on baseline", None), "Settlement"]
    )
    rows = []
    for c in [code, *nb]:
        r = pa.loc[c]
        name = (
            el("strong", f"{r.area_name} (this area)") if c == code else el("a", r.area_name, href=d.pages[c])
        )
        row: list[Any] = [name]
        if d.region_column:
            row.append(r.region if isinstance(r.region, str) else "")
        row += [
            num(per_head(r.per_head_gbp), r.per_head_gbp),
            num(signed_pct(r.change_vs_baseline_pct), r.change_vs_baseline_pct),
            "Single pot" if r.integrated else "Ring-fenced",
        ]
        rows.append(row)
    return join(
        el("h2", "Neighbours", id="neighbours"),
        el(
            "p",
            f"{len(nb)} {'area shares' if len(nb) == 1 else 'areas share'} a boundary with {d.name(code)}.",
        ),
        table(f"{d.name(code)} and its neighbours, {d.year_range()}", head, rows, sortable=True),
    )


def comparison_section(d: ReportData, code: str, cmp: Any) -> Markup:
    if cmp is None:
        return Markup("")
    a, b = cmp.names
    t = cmp.by_area_year
    rows = []
    for y in d.years:
        if (code, y) not in t.index:
            continue
        r = t.loc[(code, y)]
        rows.append(
            [
                fy(y),
                num(money(r[f"{a}_gbp"]), r[f"{a}_gbp"]),
                num(money(r[f"{b}_gbp"]), r[f"{b}_gbp"]),
                num(signed_money(r["change_gbp"]), r["change_gbp"]),
                num(signed_pct(r["change_pct"]), r["change_pct"]),
            ]
        )
    if not rows:
        return Markup("")
    return join(
        el("h2", f"Against {a}", id="comparison"),
        table(
            f"{d.name(code)}: {b} against {a}",
            ["Year", num(a, None), num(b, None), num("Change", None), num("Change %", None)],
            rows,
        ),
        el("p", el("a", "Compare every area", href="../compare.html")),
    )


def area_page(d: ReportData, code: str, map_svg: str | None, cmp: Any = None) -> str:
    s = d.s
    name = d.name(code)
    pa = d.per_area.loc[code]
    last = d.years[-1]
    nat = float(pd.Series(d.national_per_head).mean())
    region = d.region(code)
    tier_col = s.scenario.geography.tier_column
    tier = s.areas.at[code, tier_col] if tier_col in s.areas.columns else None
    bits = [
        code,
        *([region] if region else []),
        *([str(tier)] if isinstance(tier, str) else []),
        f"population {people(pa.population)}",
    ]
    key = facts(
        [
            (f"Settlement, {d.year_range()}", money(pa.total_gbp), f"{money(pa.last_gbp)} in {fy(last)}"),
            (
                "Per head a year",
                per_head(pa.per_head_gbp),
                f"{_vs(pa.per_head_gbp, nat)} the national {per_head(nat)}",
            ),
            (
                f"Change in {fy(last)}",
                signed_pct(pa.change_vs_baseline_pct),
                f"on {money(pa.baseline_gbp)} in {d.baseline_year}",
            ),
            (
                "Settlement type",
                "Single pot" if pa.integrated else "Ring-fenced",
                "integrated settlement" if pa.integrated else "streams kept separate",
            ),
        ]
    )
    nb = d.neighbours[code]
    if map_svg is not None:
        where = figure(
            map_svg,
            f"{name} and its neighbours, by settlement per head",
            legend(d.per_head_classes, per_head),
            note=f"{name} is outlined in black; {and_list([d.name(c) for c in nb]) or 'no area'} {'shares' if len(nb) == 1 else 'share'} a boundary with it. Select a neighbour to open its page.",
            legend_title="£ per resident a year (national classes)",
        )
    else:
        where = el("p", "This settlement carries no boundaries, so there is no map.")
    body = join(
        el("p", el("a", "All areas", href="../index.html#areas"), " › ", name, class_="crumbs"),
        el("h1", name),
        el("p", " · ".join(bits), class_="lede"),
        key,
        el("h2", "Where it is", id="map"),
        el("div", where, class_="map-one"),
        settlement_section(d, code),
        per_head_section(d, code),
        neighbours_section(d, code),
        waterfall_section(d, code),
        rules_section(d, code),
        outcomes_section(d, code),
        comparison_section(d, code, cmp),
    )
    nav = [("index.html#areas", "Every area"), ("index.html#prices", "What £1m buys")]
    if cmp is not None:
        nav.append(("compare.html", "Comparison"))
    return page(f"{name}: settlement {d.year_range()}", body, depth=1, nav=nav, scenario=s.scenario.name)
