"""The parts of an area page that explain its figure: how it was reached (the waterfall from baseline to
settlement), which rules hold it where it is, and what it is expected to buy (its outcomes framework)."""

from __future__ import annotations

from allocator.reports import html_charts as charts
from allocator.reports import words
from allocator.reports.area_view import AreaView
from allocator.reports.context import ReportContext
from allocator.reports.html_kit import Cell, Content, Markup, el, join, num, table
from allocator.units import fy, money, number, pct

CHART_STEPS = [
    "Baseline",
    "Formula target",
    "Phasing",
    "Floors, ceilings, rules",
    "Optimisation",
    "Settlement",
]


def waterfall_section(ctx: ReportContext, v: AreaView) -> Markup:
    rows = []
    for i, (label, _, amounts) in enumerate(v.waterfall):
        cells: list[Cell | Content] = [label]
        for t, a in enumerate(amounts):
            cells.append(num(money(a), a))
            change = a - v.waterfall[i - 1][2][t] if i > 0 else None
            cells.append(num(money(change, signed=True), change) if change is not None else "")
        rows.append(cells)
    head: list[Cell | Content] = ["Step"]
    for y in v.years:
        head += [num(fy(y), None), num(join("Change", el("span", f" in {fy(y)}", class_="vh")), None)]
    figs = []
    for t, y in enumerate(v.years):
        vals = [step[2][t] for step in v.waterfall]
        changes = [vals[i] - vals[i - 1] for i in range(1, len(vals))]
        steps = list(zip(CHART_STEPS, [vals[0], *changes, vals[-1]], strict=True))
        alt = (
            f"Waterfall for {fy(y)}: baseline {money(vals[0])}, formula target {money(vals[1])}, after phasing "
            f"{money(vals[2])}, after the rules {money(vals[3])}, settlement {money(vals[4])}."
        )
        chart = charts.waterfall(
            steps, alt=alt, prefix=f"waterfall-{y}", fmt=money, signed=lambda x: money(x, signed=True)
        )
        figs.append(el("figure", el("figcaption", f"From baseline to settlement, {fy(y)}"), chart))
    help_items = [join(el("dt", label), el("dd", meaning)) for label, meaning, _ in v.waterfall]
    return join(
        el("h2", "How the figure was reached", id="waterfall"),
        el("dl", help_items, class_="steps"),
        table(f"{v.name}: from baseline to settlement, each year", head, rows, id="waterfall-table"),
        el("div", figs, class_="figures wide-figures no-print"),
    )


def rules_section(ctx: ReportContext, v: AreaView) -> Markup:
    if not v.holdings:
        body = el(
            "p",
            "No rule holds this area's figure at its limit: within the national envelopes, the settlement "
            "is where the optimisation put it.",
        )
    else:
        items = []
        for h in v.holdings:
            rest = h.text[len(h.label) :]
            items.append(
                el(
                    "li",
                    el("strong", h.label),
                    rest,
                    el("span", h.description, class_="why") if h.description else None,
                    el("span", h.price, class_="why") if h.price else None,
                )
            )
        body = el("ul", items, class_="rules")
    return join(el("h2", "What holds this figure where it is", id="rules"), body)


def outcomes_section(ctx: ReportContext, v: AreaView) -> Markup:
    if not v.outcomes:
        return join(
            el("h2", "What it is expected to buy", id="outcomes"), el("p", "No outcomes were projected.")
        )
    last = fy(v.years[-1])
    head = [
        "Mission",
        "Indicator",
        num("Now", None),
        *(num(fy(y), None) for y in v.years),
        num("Gap closed", None),
        num("Target", None),
    ]
    rows = []
    for o in v.outcomes:
        better = "lower is better" if o.lower_is_better else "higher is better"
        rows.append(
            [
                o.label,
                join(o.unit, el("span", better, class_="muted block")),
                num(number(o.now), o.now),
                *(num(number(c, o.decimals, signed=True), c) for c in o.change),
                num(pct(o.gap_share) if o.gap_share is not None else "at or past target", o.gap_share),
                num(number(o.target), o.target),
            ]
        )
    vrows = [
        [m, num(money(a), a), num(money(f), f), num(money(a - f, signed=True), a - f)] for m, a, f in v.value
    ]
    note = (
        "For each national mission: the indicator that measures it here (in its own unit), its value now, the "
        "change the settlement is projected to bring by each year, how much of the distance to the national "
        f"target that change closes by {last} (“gap closed”), and the target."
    )
    return join(
        el("h2", "What it is expected to buy", id="outcomes"),
        el("p", note),
        el(
            "p",
            words.ASSUMED + " ",
            el("a", "The assumptions, with their sources.", href="../index.html#assumptions"),
            class_="assumed",
        ),
        table(
            f"{v.name}: outcomes framework, projected change by each year", head, rows, id="outcomes-table"
        ),
        table(
            f"{v.name}: mission value bought, against the formula allocation",
            [
                "Mission",
                num("This settlement", None),
                num("Formula allocation", None),
                num("Difference", None),
            ],
            vrows,
            print_hide=True,
        )
        if vrows
        else None,
    )
