"""allocator inspect: finding an area forgivingly, and the area page (asserted on the recorded text)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from rich.console import Console

from allocator.errors import InputError
from allocator.reports.area_view import area_view
from allocator.reports.context import ReportContext
from allocator.reports.inspect import find_area, render_area
from allocator.units import money, per_head
from tests.reports import small_settlement


def _page(code: str) -> str:
    console = Console(record=True, width=120)
    render_area(console, small_settlement(), code)
    # rich wraps long lines and draws column rules: compare word by word
    text = console.export_text()
    return " ".join(w for w in text.replace("│", " ").replace("┃", " ").split() if set(w) != {"─"})


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("E06000001", "E06000001"),  # exact code
        ("e06000001", "E06000001"),  # any case
        ("  manchester ", "E06000000"),  # exact name, any case, padded
        ("SALF", "E06000001"),  # a unique part of a name
        ("somerset", "E06000003"),
        ("00002", "E06000002"),  # a unique part of a code
    ],
)
def test_find_area(query: str, code: str) -> None:
    assert find_area(small_settlement(), query) == code


def test_several_partial_matches_are_listed() -> None:
    with pytest.raises(InputError) as err:
        find_area(small_settlement(), "north")
    assert "'north' matches 2 areas: North Tyneside (E06000002), North Somerset (E06000003)" in str(err.value)


def test_a_typo_gets_a_suggestion() -> None:
    with pytest.raises(InputError) as err:
        find_area(small_settlement(), "Manchestr")
    assert "no area matches 'Manchestr'; did you mean Manchester (E06000000)?" in str(err.value)


def test_nothing_near_says_what_to_give() -> None:
    with pytest.raises(InputError, match="give an area code"):
        find_area(small_settlement(), "qqqqqq")


def _holdings(s, code: str) -> list[str]:
    return [h.text for h in area_view(ReportContext(s), code).holdings]


def test_rules_in_plain_english() -> None:
    s = small_settlement()
    assert _holdings(s, "E06000003") == [
        "Funding guarantee (floor): Each area's settlement cannot fall below 100% of the previous year's, "
        "in cash terms. It is held at that floor every year (2026-27 to 2027-28)."
    ]
    assert _holdings(s, "E06000000") == []


def test_page_of_an_area_held_by_the_floor() -> None:
    s = small_settlement()
    text = _page("E06000003")
    totals = s.area_year_totals().loc["E06000003"]
    assert text.startswith("North Somerset (E06000003) Scenario: reports test")
    assert "region South, Unitary authority, population 1,200" in text
    assert "ring-fenced streams" in text
    assert "Settlement by year and stream (real terms) stream 2026-27 2027-28" in text
    assert f"£{totals.loc[2026, 'amount_gbp']:,.0f}" in text  # £24,510
    national = s.area_year_totals().xs(2026, level="year")
    national_per_head = national["amount_gbp"].sum() / national["population"].sum()
    assert f"£{national_per_head:,.2f}" in text
    assert "South (region)" in text
    assert "Its neighbours together" in text
    assert "Similar councils together" in text
    assert (
        "Neighbours (sharing a boundary) area £ per head a year change on baseline North Tyneside (E06000002)"
        in text
    )
    for step in ("Baseline", "Formula target", "After phasing", "After the rules", "Settlement"):
        assert step in text
    # cash and real terms: amounts are real here, so the cash-flat guarantee shows as flat cash
    assert "cash £25,000 £25,000" in text
    assert (
        "- Funding guarantee (floor): Each area's settlement cannot fall below 100% of the previous year's"
        in text
    )
    assert "No area's settlement falls in cash terms." in text  # the rule's own description, unchanged
    assert "Outcomes it is expected to buy" in text
    out = s.outcomes[(s.outcomes["area_code"] == "E06000003") & (s.outcomes["mission"] == "growth")]
    last = out.sort_values("year")["projected_change"].iloc[-1]
    # mission with its unit and which way is better, now, the change by the last year, the target
    assert f"Growth (£ GVA per hour; higher is better) 50.00 {last:+.4f} at target 40.00" in text


def test_page_of_an_integrated_area_with_no_rule_at_its_limit() -> None:
    text = _page("E06000000")
    assert "integrated settlement (single pot)" in text
    assert "none at its limit" in text
    assert (
        "Neighbours (sharing a boundary) area £ per head a year change on baseline Salford (E06000001)"
        in text
    )


def test_unknown_code_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not an area of this settlement"):
        render_area(Console(record=True), small_settlement(), "E09999999")


def test_rule_lines_name_the_years_and_the_values_of_dated_parameters() -> None:
    s = small_settlement()
    scenario = s.scenario.with_overrides(
        {
            "rules.funding_guarantee.phi": {2026: 1.0, 2027: 0.95},
            "rules.funding_guarantee.real": True,
            "rules.cap": {"kind": "ceiling", "gamma": 0.1},
        }
    )
    binding = pd.DataFrame(
        {
            "area_code": ["E06000001"] * 4,
            "year": [2026, 2027, 2027, 2027],
            "rule_id": ["funding_guarantee", "funding_guarantee", "cap", "capacity:build_fund"],
            "kind": ["floor", "floor", "ceiling", "capacity"],
            "dual": [-1.0, -1.0, 1.0, float("nan")],
        }
    )
    changed = dataclasses.replace(s, scenario=scenario, binding=binding)
    assert _holdings(changed, "E06000001") == [
        "Cap (ceiling): Each area's settlement cannot grow by more than 10% on the previous year's. "
        "It is held at that ceiling in 2027-28.",
        "Absorptive capacity: Build fund: Build fund is at the most an area can use well (£40 per resident a "
        "year). It is at that level in 2027-28.",
        "Funding guarantee (floor): Each area's settlement cannot fall below a set share of the previous "
        "year's, in real terms: 100% in 2026-27; 95% in 2027-28. It is held at that floor every year "
        "(2026-27 to 2027-28).",
    ]


def test_an_80_column_terminal_keeps_every_figure_whole() -> None:
    """Figures never break across lines and no line is wider than the terminal; text wraps at spaces."""
    s = small_settlement()
    console = Console(record=True, width=80, soft_wrap=True)  # as the CLI's console
    render_area(console, s, "E06000003")
    lines = console.export_text().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    words = {w for line in lines for w in line.split()}
    t = s.area_year_totals().xs("E06000003", level="area_code")
    for figure in [money(x) for x in t["amount_gbp"]] + [per_head(x, pence=True) for x in t["per_head_gbp"]]:
        assert figure in words, figure
    # every word of the rule's sentence is whole: it reads the same once the lines are joined
    joined = " ".join(" ".join(lines).split())
    (holding,) = ReportContext(s).holdings["E06000003"]
    assert holding.requirement in joined


def test_names_from_users_files_cannot_drive_the_terminal() -> None:
    s = small_settlement()
    areas = s.areas.copy()
    areas.loc["E06000002", "area_name"] = "[bold red]Evil[/] \x1b[2J"
    evil = dataclasses.replace(s, areas=areas)
    console = Console(record=True, width=120)
    render_area(console, evil, "E06000002")
    text = console.export_text()
    assert "[bold red]Evil[/]" in text  # shown as typed, not as markup
    assert "\x1b" not in text
