"""Terminal rendering for the CLI (rich tables); no logic beyond formatting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from allocator.selectors import expand
from allocator.units import fy, money


def print_validation(console: Console, scenario, geography=None) -> None:
    console.print(f"[bold]{scenario.name}[/]: valid")
    console.print(f"  years: {', '.join(fy(y) for y in scenario.years)} ({scenario.amounts} terms)")
    prov = scenario.provenance
    if prov is not None and len(prov.chain) > 1:
        console.print(f"  extends: {' <- '.join(Path(p).name for p in prov.chain)}")
    if prov is not None and prov.rule_set:
        console.print(f"  rule set: {Path(prov.rule_set).name}")
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
        f"{len(scenario.rules)} rules: {', '.join(f'{k} ({r.kind})' for k, r in scenario.rules.items())}"
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
            console.print(f"  note: {note}")


def print_geography_summary(console: Console, path: Path, summary: dict[str, Any]) -> None:
    console.print(f"[bold]{path}[/]: no problems found")
    for key, value in summary.items():
        if isinstance(value, list):
            value = ", ".join(map(str, value[:10])) + (
                f" and {len(value) - 10} more" if len(value) > 10 else ""
            )
        console.print(f"  {key}: {value}")


def print_diagnosis(console: Console, diagnosis) -> None:
    """The elastic diagnosis of an infeasible scenario, one line per rule and year."""
    table = Table(title="What had to give", show_edge=False)
    for column in ("rule_id", "kind", "year", "relaxation_gbp", "explanation"):
        table.add_column(column)
    for row in diagnosis.itertuples(index=False):
        table.add_row(
            str(row.rule_id),
            str(row.kind),
            fy(int(row.year)) if row.year == row.year and row.year is not None else "all",
            money(row.relaxation_gbp),
            str(row.explanation),
        )
    console.print(table)
