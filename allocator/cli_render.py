"""Terminal rendering for the CLI (rich tables); no logic beyond formatting.

Lines of prose are printed with ``soft_wrap=False``, so rich wraps them at spaces to the terminal's
width (the CLI's consoles otherwise leave wrapping to the terminal, which breaks words); names from
users' files go through ``allocator.safe_text.terminal``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from allocator.safe_text import terminal
from allocator.selectors import expand
from allocator.units import count, fy, money, pct, per_head

if TYPE_CHECKING:  # the console's start-up loads none of these
    import pandas as pd

    from allocator.compare import Comparison
    from allocator.geography import Geography
    from allocator.reports.asked import Asked
    from allocator.schema import Scenario
    from allocator.settlement import Settlement


def say(console: Console, text: str, markup: str = "") -> None:
    """One line of prose (made safe for the terminal), wrapped at spaces; ``markup`` wraps it (e.g.
    ``bold``)."""
    safe = terminal(text)
    console.print(f"[{markup}]{safe}[/]" if markup else safe, soft_wrap=False)


def print_validation(console: Console, scenario: Scenario, geography: Geography | None = None) -> None:
    console.print(f"[bold]{terminal(scenario.name)}[/]: valid")
    console.print(f"  years: {', '.join(fy(y) for y in scenario.years)} ({scenario.amounts} terms)")
    prov = scenario.provenance
    if prov is not None and len(prov.chain) > 1:
        console.print(f"  extends: {terminal(' <- '.join(Path(p).name for p in prov.chain))}")
    if prov is not None and prov.rule_set:
        console.print(f"  rule set: {terminal(Path(prov.rule_set).name)}")
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
        f"{len(scenario.rules)} rules: {', '.join(f'{terminal(k)} ({r.kind})' for k, r in scenario.rules.items())}"
    )
    if geography is not None:
        areas = geography.areas
        console.print(
            f"  geography: {len(areas)} areas, population {count(areas['population'].sum())}, "
            f"{len(geography.adjacency)} neighbour pairs, {int(areas['integrated'].sum())} on an integrated settlement"
        )
        base = geography.baseline["amount_gbp"].sum()
        console.print(f"  baseline funding: {money(base)}")
        for note in geography.notes:
            say(console, f"  note: {note}")


def print_geography_summary(console: Console, path: Path, summary: dict[str, object]) -> None:
    warnings = summary.get("warnings", [])
    if warnings:
        console.print(
            f"[bold]{terminal(path)}[/]: {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
        )
        for line in warnings:
            console.print(f"  [bold yellow]warning:[/] {terminal(line)}")
    else:
        console.print(f"[bold]{terminal(path)}[/]: no problems found")
    for key, value in summary.items():
        if key == "warnings":
            continue
        if isinstance(value, list):
            value = ", ".join(map(str, value[:10])) + (
                f" and {len(value) - 10} more" if len(value) > 10 else ""
            )
        console.print(f"  {terminal(key)}: {terminal(value)}")


def print_diagnosis(console: Console, diagnosis: pd.DataFrame) -> None:
    """What had to give, in a table (the error message above it has each move in words, with its
    direction): rule, year and how much it had to give."""
    table = Table(title="What had to give", show_edge=False)
    for column, justify in (("rule", "left"), ("kind", "left"), ("year", "left"), ("relaxed by", "right")):
        table.add_column(column, justify=justify, no_wrap=True)
    for row in diagnosis.itertuples(index=False):
        table.add_row(
            terminal(row.rule_id),
            terminal(row.kind),
            fy(int(row.year)) if row.year == row.year and row.year is not None else "all",
            money(row.relaxation_gbp),
        )
    console.print(table)


def print_run_summary(console: Console, settlement: Settlement, out: Path) -> None:
    """The short summary ``allocator run`` prints."""
    from allocator.reports.asked import asked
    from allocator.reports.words import shadow_price_line

    sm = settlement.summary
    say(
        console,
        f"{sm['scenario']}: {sm['areas']} areas, {sm['integrated_areas']} on an integrated settlement",
        "bold",
    )
    for line in asked(settlement).lines(limit=4)[1:]:
        say(console, f"  {line}")
    table = Table(title="Settlement by year and budget", show_edge=False)
    table.add_column("year")
    budgets = sorted({b for v in sm["totals_gbp"].values() for b in v})
    for b in budgets:
        table.add_column(b, justify="right", no_wrap=True)
    table.add_column("total", justify="right", no_wrap=True)
    for year, by_budget in sm["totals_gbp"].items():
        table.add_row(fy(int(year)), *(money(by_budget[b]) for b in budgets), money(sum(by_budget.values())))
    console.print(table)
    v = sm["value"]
    gain = money(v["gain"], signed=True) + (
        f" ({pct(v['gain_pct'], signed=True)})" if v.get("gain_pct") is not None else ""
    )
    say(
        console,
        f"mission value V = {money(v['V'])}   formula allocation V = {money(v['V_formula'])}   "
        f"gain from optimising {gain}",
    )
    if sm["binding_most"]:
        say(
            console,
            "rules binding most: "
            + ", ".join(
                f"{r['rule_id']} ({r['kind']}, {r['area_years']} area-year{'s' if r['area_years'] != 1 else ''})"
                for r in sm["binding_most"][:5]
            ),
        )
    if sm["shadow_prices"]:
        say(console, "shadow prices (what £1m more would buy in mission value, or cost when negative):")
        for r in sm["shadow_prices"]:
            say(
                console,
                "  " + shadow_price_line(r["rule_id"], r.get("budget"), r.get("year"), r["value_per_gbp_m"]),
            )
    ver = settlement.verification
    failed = ver[~ver["passed"]]
    soft = ver[(ver["mode"] == "soft") & (ver["violations"] > 0)]
    status = "every rule holds" if failed.empty else f"FAILED: {', '.join(failed['rule_id'])}"
    say(console, f"verification: {len(ver)} rules checked independently, {status}")
    for r in soft.itertuples():
        say(
            console,
            f"  soft rule {r.rule_id} breached in {r.violations} places (largest {money(r.max_violation_gbp)})",
        )
    say(console, f"run folder: {out}")
    if (out / "report" / "index.html").is_file():
        say(console, f"explorer: {out / 'report' / 'index.html'} (opens offline in a browser)")


def print_comparison(
    console: Console, result: Comparison, top: int, asked_a: Asked | None = None, asked_b: Asked | None = None
) -> None:
    """``allocator compare``: what each run was asked, totals by year and budget, mission value, and the
    real winners and losers (by £ per head a year; areas that barely move are not listed)."""
    from allocator.compare import NO_CHANGE_PER_HEAD_GBP

    a, b = result.names
    say(console, f"{b} against {a}", "bold")
    for name, asked in ((a, asked_a), (b, asked_b)):
        if asked is not None:
            lines = asked.lines(limit=4)
            say(console, f"  {name}: {lines[0].removeprefix('Scenario: ')}")
            for line in lines[1:]:
                say(console, f"    {line}")
    table = Table(title="By year and budget", show_edge=False)
    for col in ("year", "budget", a, b, "change"):
        table.add_column(terminal(col), justify="right", no_wrap=True)
    for (year, budget), r in result.by_year.iterrows():
        table.add_row(
            fy(int(year)),
            str(budget),
            money(r.iloc[0]),
            money(r.iloc[1]),
            money(r["change_gbp"], signed=True),
        )
    console.print(table)
    v = result.value
    labels = {"V": "mission value V", "V_formula": "formula allocation V"}
    for measure in v.index:
        say(
            console,
            f"{labels.get(measure, measure)}: {money(v.loc[measure, a])} -> {money(v.loc[measure, b])} "
            f"({money(v.loc[measure, 'change'], signed=True)})",
        )
    gain, lose, same = result.counts()
    say(
        console,
        f"{gain} areas gain, {lose} lose and {same} do not change (by less than "
        f"{per_head(NO_CHANGE_PER_HEAD_GBP, pence=True)} per resident a year either way)",
    )
    winners, losers = result.winners_and_losers(top)
    for title, frame in (("Biggest winners", winners), ("Biggest losers", losers)):
        if frame.empty:
            say(console, f"{title}: none")
            continue
        rows = Table(title=f"{title} (by £ per head a year)", show_edge=False)
        rows.add_column("area", overflow="fold")
        rows.add_column("code", no_wrap=True)
        rows.add_column("change, all years", justify="right", no_wrap=True)
        rows.add_column("per head a year", justify="right", no_wrap=True)
        for code, r in frame.iterrows():
            rows.add_row(
                terminal(r["area_name"]),
                terminal(code),
                money(r["change_gbp"], signed=True),
                per_head(r["change_per_head_gbp"], pence=True, signed=True),
            )
        console.print(rows)


def print_verification(console: Console, run: Path, verification: pd.DataFrame) -> None:
    """The table ``allocator verify`` prints: each rule's independent check on the run's tables."""
    table = Table(title=f"Verification of {terminal(run)} (from its tables alone)", show_edge=False)
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
            terminal(r.rule_id),
            terminal(r.kind),
            terminal(r.mode),
            f"{r.checked:,}",
            f"{r.violations:,}",
            money(r.max_violation_gbp),
            result,
        )
    console.print(table)
    failed = int((~verification["passed"].astype(bool)).sum())
    status = "every rule holds" if failed == 0 else f"{failed} rule{'s' if failed != 1 else ''} fail"
    console.print(f"manifest: every file intact; {len(verification)} rules checked, {status}")


def print_sweep(console: Console, result, out: Path) -> None:
    """The sweep's variants (the first and last ten when there are many) and where it was written."""

    summary = result.summary()
    keys = list(result.vary)
    table = Table(title=f"Sweep of {terminal(result.scenario.name)}", title_justify="left")
    for head in ["variant", *keys, "status", "V £bn", "formula V £bn", "£/head high÷low", "below target"]:
        table.add_column(terminal(head), justify="right")
    shown = summary if len(summary) <= 20 else summary.iloc[[*range(10), *range(-10, 0)]]
    for v, r in shown.iterrows():
        table.add_row(
            str(v),
            *[f"{r[k]:.6g}" for k in keys],
            terminal(r["status"]),
            f"{r['V'] / 1e9:,.2f}",
            f"{r['V_formula'] / 1e9:,.2f}",
            f"{r['per_head_ratio']:.2f}",
            f"{r['areas_below_formula_target']:.0f}",
        )
    console.print(table)
    if result.samples:
        draws = result.draws()
        chosen, regret = draws["chosen_V"] / 1e9, draws["regret"] / 1e9
        say(
            console,
            f"V of the chosen settlement over {len(draws)} draws: median £{chosen.median():,.2f}bn "
            f"(90% within £{chosen.quantile(0.05):,.2f}bn to £{chosen.quantile(0.95):,.2f}bn); "
            f"regret: mean £{regret.mean():,.2f}bn, at most £{regret.max():,.2f}bn",
        )
    counts = ", ".join(f"{n} {terminal(s)}" for s, n in summary["status"].value_counts().items())
    say(console, f"{len(summary)} variants ({counts}); written to {terminal(out)}")
