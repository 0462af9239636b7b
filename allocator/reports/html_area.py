"""One page per area: its published figures, where it is, its settlement by year and stream, in cash and
real terms, per head against the nation, its region, neighbours and similar councils, how the figure was
reached, which rules hold it and what it is expected to buy. The page prints on one sheet (report.css
leaves the charts and long tables out of print)."""

from __future__ import annotations

from allocator.compare import Comparison
from allocator.reports import html_charts as charts
from allocator.reports.area_view import AreaView, Peer, area_view
from allocator.reports.context import ReportContext
from allocator.reports.html_explain import outcomes_section, rules_section, waterfall_section
from allocator.reports.html_kit import Cell, Content, Markup, el, facts, figure, join, num, page, table
from allocator.reports.maps import legend
from allocator.units import and_list, count, fy, money, pct, per_head


def _vs(x: float, ref: float) -> str:
    if not ref:
        return ""
    r = x / ref - 1
    if abs(r) < 0.005:
        return "about the same as"
    return f"{pct(abs(r), 0)} {'above' if r > 0 else 'below'}"


def _terms(v: AreaView) -> str:
    return "real terms" if v.terms == "real" else "cash"


def published_section(ctx: ReportContext, v: AreaView) -> Markup:
    """The scenario's published figures for the area (``geography.facts``), with their sources."""
    if not v.facts:
        return Markup("")
    rows = [[f.label, num(text, None), f.source] for f, text in v.facts]
    return join(
        el("h2", "Published figures", id="published"),
        table(
            f"{v.name}: published figures", ["Figure", num("Value", None), "Source"], rows, id="facts-table"
        ),
    )


def settlement_section(ctx: ReportContext, v: AreaView) -> Markup:
    sc = ctx.scenario
    many = len(v.years) > 1
    head = ["Stream", "Budget", *(num(fy(y), None) for y in v.years)] + (
        [num("All years", None)] if many else []
    )
    rows = []
    for st in v.streams:
        row = [st.label, st.budget.capitalize(), *(num(money(a), a) for a in st.amounts)]
        rows.append(row + ([num(money(sum(st.amounts)), sum(st.amounts))] if many else []))
    foot = [
        ["Total", "", *(num(money(a), a) for a in v.total)]
        + ([num(money(sum(v.total)), sum(v.total))] if many else [])
    ]
    mix = any(r.kind == "ring_fenced_mix" for r in sc.rules.values())
    kind = (
        el(
            "p",
            el("strong", "Integrated settlement (single pot). "),
            "The authority receives one pot and decides how to spend it across the streams; the stream "
            "figures show where the model expects the money to buy the most.",
        )
        if v.integrated
        else el(
            "p",
            el("strong", "Ring-fenced streams. "),
            "Each stream's money is for that stream"
            + (
                " and, under the stream-mix rule, each stream stays close to its share of the baseline."
                if mix
                else "."
            ),
        )
    )
    series = [(st.label, st.amounts) for st in v.streams]
    alt = (
        f"Stacked bar chart of {v.name}'s settlement by stream: "
        + "; ".join(f"{fy(y)} {money(a)}" for y, a in zip(v.years, v.total, strict=True))
        + ". The table above has every figure."
    )
    chart = charts.stacked_bars([fy(y) for y in v.years], series, alt=alt, prefix="streams-chart", fmt=money)
    return join(
        el("h2", "Settlement by year and stream", id="settlement"),
        kind,
        table(f"{v.name}: settlement by year and stream, {_terms(v)}", head, rows, foot=foot, id="streams"),
        el("figure", el("figcaption", "Settlement by year, stacked by stream"), chart, class_="no-print"),
    )


def terms_section(ctx: ReportContext, v: AreaView) -> Markup:
    """The settlement in cash and in real terms, with the change on the year before and on the baseline."""
    base = ctx.baseline_year
    head = ["", *(num(fy(y), None) for y in v.years)]

    def line(label: str, values: list[float], fmt) -> list[Cell | Content]:
        return [label, *(num(fmt(x), x) for x in values)]

    signed = lambda x: pct(x, signed=True)  # noqa: E731
    rows = [
        line("Cash", v.cash, money),
        line("Change on the year before", v.change_cash, signed),
        line(f"Change since {base}", v.since_base_cash, signed),
        line(f"Real terms ({base} prices)", v.real, money),
        line("Change on the year before", v.change_real, signed),
        line(f"Change since {base}", v.since_base_real, signed),
    ]
    note = (
        f"The baseline, {money(v.baseline)} in {base}, is the same in both. Real terms take out inflation "
        f"(the GDP deflator the scenario assumes), so they show what the money buys at {base} prices."
    )
    return join(
        el("h2", "Cash and real terms", id="terms"),
        table(f"{v.name}: settlement in cash and in real terms", head, rows, id="terms-table"),
        el("p", note, class_="muted"),
    )


def per_head_section(ctx: ReportContext, v: AreaView) -> Markup:
    head = ["Year", *(num(c.label, None) for c in v.comparators)]
    rows = [
        [fy(y), *(num(per_head(c.per_head[t]), c.per_head[t]) for c in v.comparators)]
        for t, y in enumerate(v.years)
    ]
    last = v.years[-1]
    mine, nat = v.comparators[0].per_head[-1], v.comparators[-1].per_head[-1]
    sentence = (
        f"In {fy(last)} {v.name} receives {per_head(mine)} per resident, {_vs(mine, nat)} the national "
        f"average of {per_head(nat)}."
    )
    items = [(c.label, c.per_head[-1], c.this_area) for c in v.comparators]
    alt = (
        f"Bar chart of £ per head in {fy(last)}: "
        + "; ".join(f"{k} {per_head(x)}" for k, x, _ in items)
        + "."
    )
    chart = charts.bars(items, alt=alt, prefix="per-head-chart", fmt=per_head)
    return join(
        el("h2", "Per head, against others", id="per-head"),
        el("p", sentence),
        table(
            f"{v.name}: £ per resident by year ({_terms(v)}), with its region, neighbours, similar councils and the nation",
            head,
            rows,
            id="per-head-table",
        ),
        el("figure", el("figcaption", f"£ per resident in {fy(last)}"), chart, class_="no-print"),
    )


def _peer_rows(
    ctx: ReportContext, v: AreaView, peers: list[Peer], with_tier: bool
) -> list[list[Cell | Content]]:
    rows = []
    for p in [v.itself, *peers]:
        name = (
            el("strong", f"{p.name} (this area)")
            if p.code == v.code
            else el("a", p.name, href=ctx.pages[p.code])
        )
        row: list[Cell | Content] = [name]
        if ctx.region_column:
            row.append(p.region or "")
        if with_tier:
            row.append(p.tier or "")
        row += [
            num(per_head(p.per_head), p.per_head),
            num(pct(p.change_vs_baseline_pct, signed=True), p.change_vs_baseline_pct),
            "Single pot" if p.integrated else "Ring-fenced",
        ]
        rows.append(row)
    return rows


def _peer_head(ctx: ReportContext, first: str, with_tier: bool) -> list[Cell | Content]:
    return (
        [first]
        + (["Region"] if ctx.region_column else [])
        + (["Tier"] if with_tier else [])
        + [
            num("£ per head a year", None),
            num(f"Change {fy(ctx.years[-1])} on baseline ({ctx.scenario.amounts})", None),
            "Settlement",
        ]
    )


def neighbours_section(ctx: ReportContext, v: AreaView) -> Markup:
    if not v.neighbours:
        return join(
            el("h2", "Neighbours", id="neighbours"), el("p", "No area shares a boundary with this one.")
        )
    n = len(v.neighbours)
    return join(
        el("h2", "Neighbours", id="neighbours"),
        el("p", f"{n} {'area shares' if n == 1 else 'areas share'} a boundary with {v.name}."),
        table(
            f"{v.name} and its neighbours, {ctx.year_range()}",
            _peer_head(ctx, "Neighbour", False),
            _peer_rows(ctx, v, v.neighbours, False),
            sortable=True,
            print_hide=True,
        ),
    )


def similar_section(ctx: ReportContext, v: AreaView) -> Markup:
    if not v.similar:
        return Markup("")
    indicators = {m.indicator: m.label or m.indicator for m in ctx.scenario.missions.values()}
    used = and_list([indicators.get(c, "population") for c in ctx.similar.columns])
    note = (
        f"The {len(v.similar)} councils most like {v.name} in need and size, wherever they are: nearest on "
        f"{used}, each standardised, among areas of the same tier, as CIPFA's nearest neighbours compare "
        "councils (the documentation gives the method)."
    )
    return join(
        el("h2", "Similar councils", id="similar"),
        el("p", note),
        table(
            f"{v.name} and similar councils, {ctx.year_range()}",
            _peer_head(ctx, "Council", True),
            _peer_rows(ctx, v, v.similar, True),
            sortable=True,
            id="similar-table",
        ),
    )


def comparison_section(ctx: ReportContext, code: str, cmp: Comparison | None) -> Markup:
    if cmp is None:
        return Markup("")
    a, b = cmp.names
    t = cmp.by_area_year
    rows = []
    for y in ctx.years:
        if (code, y) not in t.index:
            continue
        r = t.loc[(code, y)]
        rows.append(
            [
                fy(y),
                num(money(r[f"{a}_gbp"]), r[f"{a}_gbp"]),
                num(money(r[f"{b}_gbp"]), r[f"{b}_gbp"]),
                num(money(r["change_gbp"], signed=True), r["change_gbp"]),
                num(pct(r["change_pct"], signed=True), r["change_pct"]),
            ]
        )
    if not rows:
        return Markup("")
    return join(
        el("h2", f"Against {a}", id="comparison"),
        table(
            f"{ctx.name(code)}: {b} against {a}",
            ["Year", num(a, None), num(b, None), num("Change", None), num("Change %", None)],
            rows,
        ),
        el("p", el("a", "Compare every area", href="../compare.html")),
    )


def area_page(ctx: ReportContext, code: str, map_svg: str | None, cmp: Comparison | None = None) -> str:
    v = area_view(ctx, code)
    last = v.years[-1]
    nat = float(ctx.national_per_head.mean())
    mine = sum(v.total) / len(v.years) / v.population
    bits = [
        code,
        *([v.region] if v.region else []),
        *([v.tier] if v.tier else []),
        f"population {count(v.population)}",
    ]
    key = facts(
        [
            (
                f"Settlement, {ctx.year_range()}",
                money(sum(v.total)),
                f"{money(v.total[-1])} in {fy(last)} ({_terms(v)})",
            ),
            ("Per head a year", per_head(mine), f"{_vs(mine, nat)} the national {per_head(nat)}"),
            (
                f"Change in {fy(last)}",
                f"{pct(v.since_base_cash[-1], signed=True)} cash",
                f"{pct(v.since_base_real[-1], signed=True)} in real terms, on {money(v.baseline)} in {ctx.baseline_year}",
            ),
            (
                "Settlement type",
                "Single pot" if v.integrated else "Ring-fenced",
                "integrated settlement" if v.integrated else "streams kept separate",
            ),
        ]
    )
    names = [p.name for p in v.neighbours]
    if map_svg is not None:
        where = figure(
            map_svg,
            f"{v.name} and its neighbours, by settlement per head",
            legend(ctx.per_head_classes, per_head),
            note=f"{v.name} is outlined in black; {and_list(names) or 'no area'} {'shares' if len(names) == 1 else 'share'} "
            "a boundary with it. Select a neighbour to open its page.",
            legend_title="£ per resident a year (national classes)",
        )
    else:
        where = el("p", "This settlement carries no boundaries, so there is no map.")
    body = join(
        el("p", el("a", "All areas", href="../index.html#areas"), " › ", v.name, class_="crumbs"),
        el("h1", v.name),
        el("p", " · ".join(bits), class_="lede"),
        key,
        published_section(ctx, v),
        el("h2", "Where it is", id="map", class_="no-print"),
        el("div", where, class_="map-one no-print"),
        settlement_section(ctx, v),
        terms_section(ctx, v),
        per_head_section(ctx, v),
        # the printed page keeps the settlement, its terms, per head, the rules and the outcomes
        el(
            "div",
            similar_section(ctx, v),
            neighbours_section(ctx, v),
            waterfall_section(ctx, v),
            class_="no-print",
        ),
        rules_section(ctx, v),
        outcomes_section(ctx, v),
        el("div", comparison_section(ctx, code, cmp), class_="no-print"),
    )
    nav = [("index.html#areas", "Every area"), ("index.html#prices", "What £1m buys")]
    if cmp is not None:
        nav.append(("compare.html", "Comparison"))
    return page(
        f"{v.name}: settlement {ctx.year_range()} · {ctx.asked.headline}",
        body,
        depth=1,
        nav=nav,
        asked=ctx.asked,
        attribution=ctx.attribution,
    )
