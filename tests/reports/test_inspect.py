"""allocator inspect: finding an area forgivingly, and the area page (asserted on the recorded text)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from rich.console import Console

from allocator.errors import InputError
from allocator.reports.inspect import find_area, render_area, rule_lines
from tests.reports import small_settlement


def _page(code: str) -> str:
    console = Console(record=True, width=120)
    render_area(console, small_settlement(), code)
    # rich wraps long lines and draws column rules: compare word by word
    return " ".join(console.export_text().replace("│", " ").replace("┃", " ").split())


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


def test_rules_in_plain_english() -> None:
    s = small_settlement()
    assert rule_lines(s, "E06000003") == [
        "funding_guarantee (floor): its settlement cannot fall below 100% of last year's in cash terms "
        "(in these real-terms figures it may fall by inflation); at its limit every year. "
        "No area's settlement falls in cash terms."
    ]
    assert rule_lines(s, "E06000000") == []


def test_page_of_an_area_held_by_the_floor() -> None:
    s = small_settlement()
    text = _page("E06000003")
    totals = s.area_year_totals().loc["E06000003"]
    assert text.startswith("North Somerset (E06000003) reports test")
    assert "region South, Unitary authority, population 1,200" in text
    assert "ring-fenced streams" in text
    assert "Settlement by year and stream stream budget 2026-27 2027-28" in text
    assert f"£{totals.loc[2026, 'amount_gbp']:,.0f}" in text  # £24,510
    national = s.area_year_totals().xs(2026, level="year")
    national_per_head = national["amount_gbp"].sum() / national["population"].sum()
    assert f"£{national_per_head:,.2f}" in text
    assert "South average" in text
    assert "neighbours' average (1)" in text
    assert "neighbours: North Tyneside (E06000002)" in text
    for step in ("baseline", "formula target", "after phasing", "after optimisation"):
        assert step in text
    assert (
        "- funding_guarantee (floor): its settlement cannot fall below 100% of last year's in cash terms"
        in text
    )
    assert "Outcomes it is expected to buy" in text
    out = s.outcomes[(s.outcomes["area_code"] == "E06000003") & (s.outcomes["mission"] == "growth")]
    changes = " ".join(f"{c:+.2f}" for c in out.sort_values("year")["projected_change"])
    # mission, measure, which way is better, now, the projected change each year, the national target
    assert f"Growth £ GVA per hour higher 50 {changes} 40" in text


def test_page_of_an_integrated_area_with_no_rule_at_its_limit() -> None:
    text = _page("E06000000")
    assert "integrated settlement (single pot)" in text
    assert "none at its limit" in text
    assert "neighbours: Salford (E06000001)" in text


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
    lines = rule_lines(dataclasses.replace(s, scenario=scenario, binding=binding), "E06000001")
    assert lines == [
        "cap (ceiling): its settlement cannot grow by more than 10% a year; at its limit in 2027-28",
        "capacity:build_fund (capacity): its build_fund allocation is at the most it can use "
        "(£40.00 per head); at its limit in 2027-28",
        "funding_guarantee (floor): its settlement cannot fall below a set share of last year's in real "
        "terms: 100% in 2026-27, 95% in 2027-28; at its limit every year. No area's settlement falls in "
        "cash terms.",
    ]
