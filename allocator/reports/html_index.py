"""The report's front page: the national settlement, mission value, maps, every area, shadow prices and
the verification."""

from __future__ import annotations

import numpy as np

from allocator.reports import words
from allocator.reports.context import ReportContext
from allocator.reports.html_kit import Markup, el, facts, figure, filter_box, join, num, page, table, void
from allocator.reports.maps import legend
from allocator.units import count, fy, money, pct, per_head


def national_table(d: ReportContext) -> Markup:
    budgets = sorted(d.scenario.budgets, key=lambda b: (b != "resource", b))
    by = d.s.allocations.groupby(["year", "budget"])["amount_gbp"].sum()
    pop = float(d.population.sum())
    amounts = np.array([[float(by.get((y, b), 0.0)) for y in d.years] for b in budgets])
    total = amounts.sum(axis=0)
    cash, real = d.cash(total), d.real(total)
    base = float(d.baseline.sum())
    other, other_name = (
        (cash, "Cash") if d.in_real_terms else (real, f"Real terms ({d.baseline_year} prices)")
    )
    prev = np.concatenate([[base], total[:-1]])
    rows = []
    for t, y in enumerate(d.years):
        rows.append(
            [
                fy(y),
                *(num(money(amounts[k, t]), amounts[k, t]) for k in range(len(budgets))),
                num(money(total[t]), total[t]),
                num(per_head(total[t] / pop), total[t] / pop),
                num(pct(total[t] / prev[t] - 1, signed=True), total[t] / prev[t] - 1),
                num(pct(total[t] / base - 1, signed=True), total[t] / base - 1),
                num(money(other[t]), other[t]),
            ]
        )
    sums = amounts.sum(axis=1)
    foot = [
        [
            "All years",
            *(num(money(x), x) for x in sums),
            num(money(sums.sum()), sums.sum()),
            "",
            "",
            num(money(other.sum()), other.sum()),
        ]
    ]
    terms = "real terms" if d.in_real_terms else "cash"
    head = [
        "Year",
        *(num(b.capitalize(), None) for b in budgets),
        num("Total", None),
        num("Per head", None),
        num("Change on the year before", None),
        num(f"Change since {d.baseline_year}", None),
        num(other_name, None),
    ]
    return table(
        f"Settlement by year and budget ({terms}; baseline {money(base)} in {d.baseline_year})",
        head,
        rows,
        foot=foot if len(d.years) > 1 else (),
        id="national-table",
    )


def value_section(d: ReportContext) -> Markup:
    v = d.summary_value()
    if not v:
        return Markup("")
    gain_pct = v.get("gain_pct")
    fact = facts(
        [
            (
                "Mission value of this settlement (V)",
                money(v["V"]),
                "discounted £ of progress on the missions",
            ),
            (
                "Mission value of the formula allocation",
                money(v["V_formula"]),
                "same envelopes and rules, shared by need",
            ),
            (
                "Gain from optimising",
                money(v["gain"], signed=True),
                pct(gain_pct, signed=True) + " on the formula" if gain_pct is not None else "",
            ),
        ]
    )
    missions = d.scenario.missions
    rows = []
    if d.s.value is not None and not d.s.value.empty:
        by = d.s.value.groupby("mission")[["value", "formula_value"]].sum()
        for m in missions:
            if m not in by.index:
                continue
            a, f = float(by.at[m, "value"]), float(by.at[m, "formula_value"])
            rows.append(
                [
                    words.mission_label(m, d.scenario),
                    num(money(a), a),
                    num(money(f), f),
                    num(money(a - f, signed=True), a - f),
                ]
            )
    explain = el(
        "p",
        "Mission value is what the settlement is expected to buy: progress on each national mission's "
        "indicator, valued in pounds and discounted over the years its effects last. The formula allocation "
        "shares the same envelopes by need alone, under the same rules; the optimised settlement moves money "
        "to where it buys more.",
    )
    head = ["Mission", num("This settlement", None), num("Formula allocation", None), num("Difference", None)]
    return join(
        el("h2", "Mission value", id="value"),
        fact,
        explain,
        table("Mission value by mission", head, rows) if rows else None,
    )


def assumptions_section(d: ReportContext) -> Markup:
    """What is assumed rather than measured: the general statement, then each listed assumption."""
    rows = [[what, text] for what, text in words.assumptions(d.scenario)]
    return join(
        el("h2", "Assumptions", id="assumptions"),
        el("p", words.ASSUMED, class_="assumed"),
        table("What this scenario assumes rather than measures", ["Assumption", "Value and source"], rows)
        if rows
        else None,
    )


def maps_section(d: ReportContext, per_head_svg: str | None, change_svg: str | None) -> Markup:
    if per_head_svg is None:
        return join(
            el("h2", "Maps", id="maps"),
            el("p", "This settlement carries no boundaries, so there are no maps."),
        )
    pct0 = lambda x: pct(x, d.change_digits, signed=True)  # noqa: E731
    return join(
        el("h2", "Maps", id="maps"),
        el(
            "p",
            "Select an area on a map to open its page. The table below lists every area, with the same links.",
        ),
        el(
            "div",
            figure(
                per_head_svg,
                f"Settlement per head, average a year, {d.year_range()}",
                legend(d.per_head_classes, per_head),
                legend_title="£ per resident a year",
            ),
            figure(
                change_svg,
                f"Change in {fy(d.years[-1])} against the {d.baseline_year} baseline",
                legend(d.change_classes, pct0),
                legend_title="Change in the settlement",
            ),
            class_="figures",
        ),
    )


def areas_section(d: ReportContext) -> Markup:
    pa = d.per_area
    has_region = d.region_column is not None
    head = ["Area", "Code"] + (["Region"] if has_region else [])
    head += [
        num("Population", None),
        num("Total, all years", None),
        num("Per head a year", None),
        num(f"Change on {d.baseline_year}, cash", None),
        num("Change, real terms", None),
        "Settlement",
        "Held by",
    ]
    change_cash = d.cash(d.amount)[:, -1] / np.where(d.baseline > 0, d.baseline, np.nan) - 1
    pot, fenced = el("span", "Single pot", class_="tag pot"), el("span", "Ring-fenced", class_="tag")
    rows = []
    for i, code in enumerate(d.codes):
        r = pa.iloc[i]
        cells = [el("a", r.area_name, href=f"areas/{d.pages[code]}"), code]
        if has_region:
            cells.append(r.region or "")
        cells += [
            num(count(r.population), r.population),
            num(money(r.total_gbp), r.total_gbp),
            num(per_head(r.per_head_gbp), r.per_head_gbp),
            num(pct(change_cash[i], signed=True), change_cash[i]),
            num(pct(r.real_change_vs_baseline_pct, signed=True), r.real_change_vs_baseline_pct),
            pot if r.integrated else fenced,
            ", ".join(words.kind_label(k) for k in r.held_by) or "–",
        ]
        rows.append(cells)
    search = filter_box("Find an area by name, code or region", "area-filter", len(rows), "areas-table")
    note = el(
        "p",
        "Select a heading to sort by it. “Single pot”: an integrated settlement the authority spends across "
        "the streams as it judges best; “Ring-fenced”: each stream's money is for that stream. "
        f"“Change on {d.baseline_year}”: the {fy(d.years[-1])} settlement against the {d.baseline_year} "
        "baseline, in cash and in real terms. "
        "“Held by”: the rules that hold the area's figure where it is in at least one year.",
        class_="muted",
    )
    caption = f"Every area's settlement, {d.year_range()} ({len(rows)} areas)"
    return join(
        el("h2", "Every area", id="areas"),
        search,
        note,
        table(caption, head, rows, sortable=True, id="areas-table", class_="wide"),
    )


def jump_box(d: ReportContext) -> Markup:
    """A box near the top of the page that opens an area's page from its name or code (report.js;
    hidden without script)."""
    options = [
        void("option", value=f"{d.name(c)} ({c})", data_href=f"areas/{d.pages[c]}")
        for c in sorted(d.codes, key=lambda c: d.name(c).lower())
    ]
    return el(
        "div",
        el("label", "Go to an area", for_="area-jump"),
        void(
            "input",
            type="search",
            id="area-jump",
            list="area-names",
            autocomplete="off",
            placeholder="Name or code",
        ),
        el("datalist", options, id="area-names"),
        class_="jump",
        data_jump="area-names",
        hidden=True,
    )


def prices_section(d: ReportContext) -> Markup:
    national = words.national_prices(d.s)
    rules = words.rule_prices(d.s)
    if not national and not rules:
        body = el("p", "No envelope or rule has a shadow price in this settlement.")
    else:
        body = join(
            el("h3", "More money") if national else None,
            el("ul", [el("li", x) for x in national], class_="prices") if national else None,
            el("h3", "What the rules cost") if rules else None,
            el(
                "p",
                "Rules that hold areas' figures keep money from where it would buy most. Easing them would buy:",
            )
            if rules
            else None,
            el("ul", [el("li", x) for x in rules], class_="prices") if rules else None,
        )
    return join(el("h2", "What an extra £1m buys", id="prices"), body)


def verification_section(d: ReportContext) -> Markup:
    ver = d.s.verification
    sc = d.s.scenario
    if ver is None or ver.empty:
        return join(
            el("h2", "Rules and their check", id="verification"), el("p", "This settlement was not verified.")
        )
    failed = ver.loc[~ver["passed"].astype(bool), "rule_id"].tolist()
    verdict = (
        el(
            "p",
            el("strong", "Every rule holds. ", class_="pass"),
            f"{len(ver)} rules were checked independently against the finished settlement.",
        )
        if not failed
        else el(
            "p",
            el("strong", f"{len(failed)} of {len(ver)} rules fail: ", class_="fail"),
            ", ".join(words.humanise(str(r)) for r in failed) + ".",
        )
    )
    rows = []
    for r in ver.itertuples(index=False):
        ok = bool(r.passed)
        result = el("span", "Holds" if ok else "Fails", class_="pass" if ok else "fail")
        rows.append(
            [
                words.rule_label(str(r.rule_id), str(r.kind), sc),
                words.requirement(str(r.rule_id), sc),
                r.mode,
                num(f"{int(r.checked):,}", int(r.checked)),
                num(words.verification_line(r), int(r.violations)),
                result,
            ]
        )
    head = ["Rule", "What it requires", "Mode", num("Figures checked", None), num("Misses", None), "Result"]
    return join(
        el("h2", "Rules and their check", id="verification"),
        verdict,
        el(
            "p",
            "A figure misses when it is more than £1 (or a ten-millionth of the figure) beyond its bound. A soft rule may be breached at a penalty; its misses are listed but it does not fail.",
            class_="muted",
        ),
        table("The rules of this scenario and their independent check", head, rows),
    )


def index_page(
    d: ReportContext, per_head_svg: str | None, change_svg: str | None, compare_title: str | None
) -> str:
    s = d.s
    sc = d.scenario
    n_int = int(d.integrated.sum())
    total = float(d.amount.sum())
    pop = float(d.population.sum())
    intro = el(
        "p",
        f"{len(d.codes)} areas, {d.year_range()}, in {sc.amounts} terms. "
        f"{n_int} {'area is' if n_int == 1 else 'areas are'} on an integrated settlement (a single pot); "
        f"the others receive ring-fenced streams.",
        class_="lede",
    )
    key = facts(
        [
            (
                f"Total settlement, {d.year_range()}",
                money(total),
                f"{len(sc.streams)} streams, {sc.amounts} terms",
            ),
            ("Per head a year", per_head(total / pop / len(d.years)), f"{count(pop)} residents"),
            (
                "Verification",
                "Every rule holds" if s.verified else "Rules fail",
                f"{len(s.verification)} rules checked",
            ),
        ]
    )
    nav = [
        ("index.html#areas", "Every area"),
        ("index.html#prices", "What £1m buys"),
        ("index.html#assumptions", "Assumptions"),
        ("index.html#verification", "Checks"),
    ]
    if compare_title:
        nav.append(("compare.html", "Comparison"))
    body = join(
        el("h1", f"Settlement: {d.asked.headline}"),
        jump_box(d),
        el("p", sc.description, class_="muted") if sc.description else None,
        intro,
        key,
        el("p", el("a", compare_title, href="compare.html")) if compare_title else None,
        el("h2", "National settlement", id="national"),
        national_table(d),
        value_section(d),
        assumptions_section(d),
        maps_section(d, per_head_svg, change_svg),
        areas_section(d),
        prices_section(d),
        verification_section(d),
    )
    return page(f"Settlement: {d.asked.headline}", body, nav=nav, asked=d.asked, attribution=d.attribution)
