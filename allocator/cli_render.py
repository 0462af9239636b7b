"""Terminal rendering for the CLI (rich tables); no logic beyond formatting.

Every name that comes from a user's file (scenario, rules, areas, streams, paths, notes) goes through
``terminal`` before it meets markup or a table cell, so it prints as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from allocator.safe_text import terminal as t
from allocator.selectors import expand
from allocator.units import fy, money, per_head


def print_validation(console: Console, scenario, geography=None) -> None:
    console.print(f"[bold]{t(scenario.name)}[/]: valid")
    console.print(f"  years: {', '.join(fy(y) for y in scenario.years)} ({scenario.amounts} terms)")
    prov = scenario.provenance
    if prov is not None and len(prov.chain) > 1:
        console.print(f"  extends: {' <- '.join(t(Path(p).name) for p in prov.chain)}")
    if prov is not None and prov.rule_set:
        console.print(f"  rule set: {t(Path(prov.rule_set).name)}")
    table = Table(title="Envelopes", show_edge=False)
    table.add_column("budget")
    for y in scenario.years:
        table.add_column(fy(y), justify="right")
    for budget, value in sorted(scenario.envelopes.items()):
        by_year = expand(value, scenario.years)
        table.add_row(budget, *(money(by_year[y]) for y in scenario.years))
    console.print(table)
    console.print(
        f"  {len(scenario.streams)} streams, {len(scenario.missions)} missions, "
        f"{len(scenario.rules)} rules: {', '.join(f'{t(k)} ({r.kind})' for k, r in scenario.rules.items())}"
    )
    if geography is not None:
        areas = geography.areas
        console.print(
            f"  geography: {len(areas)} areas, population {areas['population'].sum():,.0f}, "
            f"{len(geography.adjacency)} neighbour pairs, {int(areas['integrated'].sum())} on an integrated settlement"
        )
        base = geography.baseline["amount_gbp"].sum()
        console.print(f"  baseline funding: {money(base)}")
        for note in geography.notes:
            console.print(f"  note: {t(note)}")


def print_geography_summary(console: Console, path: Path, summary: dict[str, Any]) -> None:
    warnings = summary.get("warnings", [])
    if warnings:
        console.print(f"[bold]{t(path)}[/]: {len(warnings)} warning{'s' if len(warnings) != 1 else ''}")
        for line in warnings:
            console.print(f"  [bold yellow]warning:[/] {t(line)}")
    else:
        console.print(f"[bold]{t(path)}[/]: no problems found")
    for key, value in summary.items():
        if key == "warnings":
            continue
        if isinstance(value, list):
            value = ", ".join(map(str, value[:10])) + (
                f" and {len(value) - 10} more" if len(value) > 10 else ""
            )
        console.print(f"  {t(key)}: {t(value)}")


def print_diagnosis(console: Console, diagnosis) -> None:
    """The elastic diagnosis of an infeasible scenario, one line per rule and year."""
    table = Table(title="What had to give", show_edge=False)
    for column in ("rule_id", "kind", "year", "relaxation_gbp", "explanation"):
        table.add_column(column)
    for row in diagnosis.itertuples(index=False):
        table.add_row(
            t(row.rule_id),
            t(row.kind),
            fy(int(row.year)) if row.year == row.year and row.year is not None else "all",
            money(row.relaxation_gbp),
            t(row.explanation),
        )
    console.print(table)


def print_run_summary(console: Console, settlement, out: Path) -> None:
    """The short summary ``allocator run`` prints."""
    sm = settlement.summary
    console.print(
        f"[bold]{t(sm['scenario'])}[/]: {sm['areas']} areas, {sm['integrated_areas']} on an integrated settlement"
    )
    table = Table(title="Settlement by year and budget", show_edge=False)
    table.add_column("year")
    budgets = sorted({b for v in sm["totals_gbp"].values() for b in v})
    for b in budgets:
        table.add_column(b, justify="right")
    table.add_column("total", justify="right")
    for year, by_budget in sm["totals_gbp"].items():
        table.add_row(fy(int(year)), *(money(by_budget[b]) for b in budgets), money(sum(by_budget.values())))
    console.print(table)
    v = sm["value"]
    sign = "+" if v["gain"] >= 0 else ""
    gain = f"{sign}{money(v['gain'])}" + (f" ({v['gain_pct']:+.1%})" if v.get("gain_pct") is not None else "")
    console.print(
        f"mission value V = {money(v['V'])}   formula allocation V = {money(v['V_formula'])}   "
        f"gain from optimising {gain}"
    )
    if sm["binding_most"]:
        console.print(
            "rules binding most: "
            + ", ".join(
                f"{t(r['rule_id'])} ({t(r['kind'])}, {r['area_years']} area-year{'s' if r['area_years'] != 1 else ''})"
                for r in sm["binding_most"][:5]
            )
        )
    if sm["shadow_prices"]:
        console.print("shadow prices (mission value bought by £1m more):")
        for r in sm["shadow_prices"]:
            budget = f" {r['budget']}" if r.get("budget") else ""
            when = fy(r["year"]) if r.get("year") is not None else "all years"
            console.print(f"  {t(r['rule_id'])}{budget} {when}: {money(r['value_per_gbp_m'])}")
    ver = settlement.verification
    failed = ver[~ver["passed"]]
    soft = ver[(ver["mode"] == "soft") & (ver["violations"] > 0)]
    status = "every rule holds" if failed.empty else f"FAILED: {t(', '.join(failed['rule_id']))}"
    console.print(f"verification: {len(ver)} rules checked independently, {status}")
    for r in soft.itertuples():
        console.print(
            f"  soft rule {t(r.rule_id)} breached in {r.violations} places (largest {money(r.max_violation_gbp)})"
        )
    console.print(f"run folder: {t(out)}")
    if (out / "report" / "index.html").is_file():
        console.print(f"explorer: {t(out / 'report' / 'index.html')} (opens offline in a browser)")


def print_comparison(console: Console, result, top: int) -> None:
    a, b = result.names
    console.print(f"[bold]{t(b)}[/] against [bold]{t(a)}[/]")
    table = Table(title="By year and budget", show_edge=False)
    for col in ("year", "budget", t(a), t(b), "change"):
        table.add_column(col, justify="right")
    for (year, budget), r in result.by_year.iterrows():
        table.add_row(fy(int(year)), t(budget), money(r.iloc[0]), money(r.iloc[1]), money(r["change_gbp"]))
    console.print(table)
    v = result.value
    for measure in v.index:
        console.print(
            f"{t(measure)}: {money(v.loc[measure, a])} -> {money(v.loc[measure, b])} ({money(v.loc[measure, 'change'])})"
        )
    winners, losers = result.winners_and_losers(top)
    for title, frame in (("Biggest winners", winners), ("Biggest losers", losers)):
        rows = Table(title=f"{title} (change over all years)", show_edge=False)
        for col in ("area", "code", "change", "per head"):
            rows.add_column(col, justify="right" if col in ("change", "per head") else "left")
        for code, r in frame.iterrows():
            rows.add_row(
                t(r["area_name"]), t(code), money(r["change_gbp"]), per_head(r["change_per_head_gbp"])
            )
        console.print(rows)


def print_verification(console: Console, run: Path, verification) -> None:
    """The table ``allocator verify`` prints: each rule's independent check on the run's tables."""
    table = Table(title=f"Verification of {t(run)} (from its tables alone)", show_edge=False)
    for column in ("rule", "kind", "mode", "figures checked", "violations", "largest", "result"):
        table.add_column(
            column, justify="right" if column in ("figures checked", "violations", "largest") else "left"
        )
    for r in verification.itertuples():
        result = (
            "holds"
            if r.violations == 0
            else ("breached (soft)" if r.mode == "soft" else "[bold red]FAILS[/]")
        )
        table.add_row(
            t(r.rule_id),
            t(r.kind),
            t(r.mode),
            f"{r.checked:,}",
            f"{r.violations:,}",
            money(r.max_violation_gbp),
            result,
        )
    console.print(table)
    failed = int((~verification["passed"].astype(bool)).sum())
    status = "every rule holds" if failed == 0 else f"{failed} rule{'s' if failed != 1 else ''} fail"
    console.print(f"manifest: every file intact; {len(verification)} rules checked, {status}")
