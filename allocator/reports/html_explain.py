"""The parts of an area page that explain its figure: how it was reached (the waterfall from baseline to
settlement), which rules hold it where it is, and what it is expected to buy (its outcomes framework)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.reports import html_charts as charts
from allocator.reports import html_words as words
from allocator.reports.html_data import ReportData
from allocator.reports.html_kit import (
    Markup,
    el,
    join,
    money,
    num,
    number,
    signed_money,
    signed_number,
    table,
)
from allocator.units import fy

STEP_HELP = [
    ("Baseline", "what the area received in {base}."),
    ("Formula target", "its fair share of the envelope by need, if it moved there at once."),
    ("After phasing", "the move to the formula target, phased in over the years."),
    (
        "After the rules",
        "floors, ceilings and the other rules applied to the phased target (the formula allocation).",
    ),
    ("Settlement", "after optimisation: money moved to where it buys most mission value, within the rules."),
]


CHART_STEPS = [
    "Baseline",
    "Formula target",
    "Phasing",
    "Floors, ceilings, rules",
    "Optimisation",
    "Settlement",
]


def waterfall_section(d: ReportData, code: str) -> Markup:
    amounts = d.waterfall_by_area[code]
    labels = [lbl for lbl, _ in STEP_HELP]
    rows = []
    for i, label in enumerate(labels):
        cells: list[Any] = [label]
        for y in d.years:
            v = float(amounts.at[i, y])
            cells.append(num(money(v), v))
            change = v - float(amounts.at[i - 1, y]) if i > 0 else None
            cells.append(num(signed_money(change), change) if change is not None else "")
        rows.append(cells)
    head: list[Any] = ["Step"]
    for y in d.years:
        head += [num(fy(y), None), num(join("Change", el("span", f" in {fy(y)}", class_="vh")), None)]
    figs = []
    for y in d.years:
        vals = [float(amounts.at[i, y]) for i in range(len(labels))]
        changes = [vals[i] - vals[i - 1] for i in range(1, len(vals))]
        steps = list(zip(CHART_STEPS, [vals[0], *changes, vals[-1]], strict=True))
        alt = (
            f"Waterfall for {fy(y)}: baseline {money(vals[0])}, formula target {money(vals[1])}, after phasing "
            f"{money(vals[2])}, after the rules {money(vals[3])}, settlement {money(vals[4])}."
        )
        chart = charts.waterfall(steps, alt=alt, prefix=f"waterfall-{y}", fmt=money, signed=signed_money)
        figs.append(el("figure", el("figcaption", f"From baseline to settlement, {fy(y)}"), chart))
    help_items = [join(el("dt", k), el("dd", v.format(base=d.baseline_year))) for k, v in STEP_HELP]
    return join(
        el("h2", "How the figure was reached", id="waterfall"),
        el("dl", help_items, class_="steps"),
        table(f"{d.name(code)}: from baseline to settlement, each year", head, rows, id="waterfall-table"),
        el("div", figs, class_="figures wide-figures"),
    )


def rules_section(d: ReportData, code: str) -> Markup:
    held = words.holding_rules(d.binding_by_area.get(code), code, d.s.scenario)
    if not held:
        body = el(
            "p",
            "No rule holds this area's figure at its limit: within the national envelopes, the settlement is where the optimisation put it.",
        )
    else:
        body = el(
            "ul",
            [
                el(
                    "li",
                    el("strong", h["label"]),
                    h["sentence"][len(h["label"]) :],
                    el("span", h["description"], class_="why") if h["description"] else None,
                    el("span", h["price"], class_="why") if h["price"] else None,
                )
                for h in held
            ],
            class_="rules",
        )
    return join(el("h2", "What holds this figure where it is", id="rules"), body)


def outcomes_section(d: ReportData, code: str) -> Markup:
    sc = d.s.scenario
    o = d.outcomes_by_area.get(code, pd.DataFrame())
    if o.empty:
        return join(
            el("h2", "What it is expected to buy", id="outcomes"), el("p", "No outcomes were projected.")
        )
    head = [
        "Mission",
        "Indicator",
        num("Now", None),
        *(num(f"Change by {fy(y)}", None) for y in d.years),
        num("Projected", None),
        num("National target", None),
    ]
    rows = []
    for m, spec in sc.missions.items():
        g = o[o["mission"] == m].set_index("year")
        if g.empty:
            continue
        measure = spec.unit or words.humanise(spec.indicator)
        better = "lower is better" if spec.direction == "lower_is_better" else "higher is better"
        last = g.loc[d.years[-1]] if d.years[-1] in g.index else g.iloc[-1]
        rows.append(
            [
                spec.label or words.humanise(m),
                join(measure, el("span", better, class_="muted block")),
                num(number(g["current_value"].iloc[0]), float(g["current_value"].iloc[0])),
                *(
                    num(signed_number(g.at[y, "projected_change"]), float(g.at[y, "projected_change"]))
                    if y in g.index
                    else ""
                    for y in d.years
                ),
                num(number(last["projected_value"]), float(last["projected_value"])),
                num(number(spec.target), spec.target),
            ]
        )
    value = d.value_by_area.get(code)
    vrows = []
    if value is not None and not value.empty:
        v = value.set_index("mission")
        for m, spec in sc.missions.items():
            if m in v.index:
                a, f = float(v.at[m, "value"]), float(v.at[m, "formula_value"])
                vrows.append(
                    [
                        spec.label or words.humanise(m),
                        num(money(a), a),
                        num(money(f), f),
                        num(signed_money(a - f), a - f),
                    ]
                )
    return join(
        el("h2", "What it is expected to buy", id="outcomes"),
        el(
            "p",
            "For each national mission: the indicator that measures it here, its value now, the change the settlement is projected to bring by each year, and the national target.",
        ),
        table(f"{d.name(code)}: outcomes framework", head, rows, id="outcomes-table"),
        table(
            f"{d.name(code)}: mission value bought, against the formula allocation",
            [
                "Mission",
                num("This settlement", None),
                num("Formula allocation", None),
                num("Difference", None),
            ],
            vrows,
        )
        if vrows
        else None,
    )
