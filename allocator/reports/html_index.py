"""The report's front page: the national settlement, mission value, maps, every area, shadow prices and
the verification."""

from __future__ import annotations

from allocator.reports import html_words as words
from allocator.reports.html_data import ReportData
from allocator.reports.html_kit import (
    Markup,
    el,
    facts,
    figure,
    filter_box,
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


def national_table(d: ReportData) -> Markup:
    budgets = sorted(d.s.scenario.budgets, key=lambda b: (b != "resource", b))
    alloc = d.s.allocations
    by = alloc.groupby(["year", "budget"])["amount_gbp"].sum()
    pop = float(d.s.areas["population"].sum())
    rows, sums = [], dict.fromkeys(budgets, 0.0)
    for y in d.years:
        cells = [fy(y)]
        total = 0.0
        for b in budgets:
            v = float(by.get((y, b), 0.0))
            sums[b] += v
            total += v
            cells.append(num(money(v), v))
        cells += [num(money(total), total), num(per_head(total / pop), total / pop)]
        rows.append(cells)
    grand = sum(sums.values())
    foot = [["All years", *(num(money(sums[b]), sums[b]) for b in budgets), num(money(grand), grand), ""]]
    head = ["Year", *(num(b.capitalize(), None) for b in budgets), num("Total", None)]
    head.append(num("Per head", None))
    return table("Settlement by year and budget", head, rows, foot=foot if len(d.years) > 1 else ())


def value_section(d: ReportData) -> Markup:
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
                signed_money(v["gain"]),
                signed_pct(gain_pct) + " on the formula" if gain_pct is not None else "",
            ),
        ]
    )
    missions = d.s.scenario.missions
    rows = []
    if d.s.value is not None and not d.s.value.empty:
        by = d.s.value.groupby("mission")[["value", "formula_value"]].sum()
        for m, spec in missions.items():
            if m not in by.index:
                continue
            a, f = float(by.at[m, "value"]), float(by.at[m, "formula_value"])
            rows.append(
                [
                    spec.label or words.humanise(m),
                    num(money(a), a),
                    num(money(f), f),
                    num(signed_money(a - f), a - f),
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


def maps_section(d: ReportData, per_head_svg: str | None, change_svg: str | None) -> Markup:
    if per_head_svg is None:
        return join(
            el("h2", "Maps", id="maps"),
            el("p", "This settlement carries no boundaries, so there are no maps."),
        )
    pct0 = lambda x: signed_pct(x, 0)  # noqa: E731
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


def areas_section(d: ReportData) -> Markup:
    pa = d.per_area
    has_region = d.region_column is not None
    head = ["Area", "Code"]
    if has_region:
        head.append("Region")
    head += [
        num("Population", None),
        num("Total, all years", None),
        num("Per head a year", None),
        num(f"Change on {d.baseline_year}", None),
        "Settlement",
        "Held by",
    ]
    rows = []
    for code, r in pa.iterrows():
        cells = [el("a", r.area_name, href=f"areas/{d.pages[code]}"), code]
        if has_region:
            cells.append(r.region if isinstance(r.region, str) else "")
        cells += [
            num(people(r.population), r.population),
            num(money(r.total_gbp), r.total_gbp),
            num(per_head(r.per_head_gbp), r.per_head_gbp),
            num(signed_pct(r.change_vs_baseline_pct), r.change_vs_baseline_pct),
            el("span", "Single pot", class_="tag pot")
            if r.integrated
            else el("span", "Ring-fenced", class_="tag"),
            ", ".join(words.kind_name(k) for k in r.held_by) or "–",
        ]
        rows.append(cells)
    search = filter_box("Find an area by name, code or region", "area-filter", len(rows), "areas-table")
    note = el(
        "p",
        "Select a heading to sort by it. “Single pot”: an integrated settlement the authority spends across "
        "the streams as it judges best; “Ring-fenced”: each stream's money is for that stream. "
        f"“Change on {d.baseline_year}”: the {fy(d.years[-1])} settlement against the {d.baseline_year} baseline. "
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


def prices_section(d: ReportData) -> Markup:
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


def verification_section(d: ReportData) -> Markup:
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
        spec = sc.rules.get(str(r.rule_id))
        desc = getattr(spec, "description", "") if spec is not None else ""
        if not desc and spec is not None:
            clause = words.meaning(spec, sc).replace("this area", "an area")
            desc = clause[:1].upper() + clause[1:] + "."
        ok = bool(r.passed)
        result = el("span", "Holds" if ok else "Fails", class_="pass" if ok else "fail")
        breaches = (
            f"{int(r.violations)} (worst {money(r.max_violation_gbp)}, {r.worst})"
            if int(r.violations)
            else "0"
        )
        rows.append(
            [
                words.rule_label(str(r.rule_id), str(r.kind), sc),
                desc,
                r.mode,
                num(f"{int(r.checked):,}", int(r.checked)),
                num(breaches, int(r.violations)),
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
    d: ReportData, per_head_svg: str | None, change_svg: str | None, compare_title: str | None
) -> str:
    s = d.s
    sc = s.scenario
    n_int = int(d.per_area["integrated"].sum())
    total = float(s.allocations["amount_gbp"].sum())
    pop = float(s.areas["population"].sum())
    intro = el(
        "p",
        f"{len(d.codes)} areas, {d.year_range()}, in {sc.amounts} terms. "
        f"{n_int} {'area is' if n_int == 1 else 'areas are'} on an integrated settlement (a single pot); "
        f"the others receive ring-fenced streams.",
        class_="lede",
    )
    key = facts(
        [
            (f"Total settlement, {d.year_range()}", money(total), f"{len(sc.streams)} streams"),
            ("Per head a year", per_head(total / pop / len(d.years)), f"{people(pop)} residents"),
            (
                "Verification",
                "Every rule holds" if s.verified else "Rules fail",
                f"{0 if s.verification is None else len(s.verification)} rules checked",
            ),
        ]
    )
    nav = [
        ("index.html#areas", "Every area"),
        ("index.html#prices", "What £1m buys"),
        ("index.html#verification", "Checks"),
    ]
    if compare_title:
        nav.append(("compare.html", "Comparison"))
    body = join(
        el("h1", f"Settlement: {sc.name}"),
        el("p", sc.description, class_="muted") if sc.description else None,
        intro,
        key,
        el("p", el("a", compare_title, href="compare.html")) if compare_title else None,
        el("h2", "National settlement", id="national"),
        national_table(d),
        value_section(d),
        maps_section(d, per_head_svg, change_svg),
        areas_section(d),
        prices_section(d),
        verification_section(d),
    )
    return page(f"Settlement: {sc.name}", body, nav=nav, scenario=sc.name)
