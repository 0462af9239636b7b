"""What readers hit, each fixed and kept fixed: distinct map classes with a stated "no change", chart
labels that are never cut into another name, the fair share explained when own resources are netted
off, indicators in their unit and precision, cash and real terms, similar councils, published figures
and the data's attribution, London in an inset, real winners only and £ per head a year."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from shapely.geometry import box

from allocator.compare import NO_CHANGE_PER_HEAD_GBP, compare
from allocator.engine import solve
from allocator.reports.area_view import area_view
from allocator.reports.context import ReportContext, price_index
from allocator.reports.html import write_report
from allocator.reports.html_charts import bars, fit
from allocator.reports.inspect import render_area
from allocator.reports.maps import NO_CHANGE, Outlines, choropleth, classify, legend
from allocator.reports.similar import similar_areas
from allocator.schema import FactSpec
from allocator.units import money, pct, per_head
from tests.conftest import tiny_geography, tiny_scenario
from tests.reports import small_settlement


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


# --- maps ---------------------------------------------------------------------------------------------


def test_change_classes_are_distinct_and_small_moves_are_no_change() -> None:
    """Areas that moved by pennies are not winners or losers: they share a stated "no change" class,
    and no two legend entries read the same."""
    values = pd.Series([-0.004, 0.003, 0.2, -0.3, 12.0, -8.0, 30.0, -25.0, 0.0])
    classes = classify(values, no_change=NO_CHANGE_PER_HEAD_GBP, step=1.0)
    fmt = lambda x: per_head(x, signed=True, pence=abs(x) < 1)  # noqa: E731
    entries = legend(classes, fmt, no_change="No change")
    texts = [t for _, t in entries]
    assert len(entries) == len(classes.colours)  # every colour on the map is in the legend
    assert len(texts) == len(set(texts))
    assert "No change" in texts
    assert not [t for t in texts if re.fullmatch(r"(.+) to \1", t)]  # "£0 to £0"
    for tiny in (-0.004, 0.003, 0.2, -0.3, 0.0):
        assert classes.colour_of(tiny) == NO_CHANGE
    assert classes.colour_of(12.0) != NO_CHANGE
    assert classes.colour_of(-8.0) != classes.colour_of(12.0)


@pytest.mark.parametrize("digits", [0, 1])
def test_legend_entries_are_distinct_at_the_precision_shown(digits: int) -> None:
    """Changes spread over a few points: with classes rounded to the legend's precision, every class is
    listed and none reads like another (not "-1% to -1%")."""
    values = pd.Series(np.r_[np.linspace(-0.061, -0.004, 40), np.linspace(0.001, 0.02, 9)])
    classes = classify(values, step=10.0 ** -(digits + 2))
    texts = [t for _, t in legend(classes, lambda x: pct(x, digits, signed=True))]
    assert len(texts) == len(classes.colours) >= 3
    assert len(set(texts)) == len(texts)
    assert not [t for t in texts if re.fullmatch(r"(.+) to \1", t)]


def test_all_pennies_is_all_no_change() -> None:
    classes = classify(pd.Series([0.01, -0.02, 0.0]), no_change=NO_CHANGE_PER_HEAD_GBP)
    assert {classes.colour_of(v) for v in (0.01, -0.02, 0.0)} == {NO_CHANGE}


def test_london_is_shown_again_in_an_inset(tmp_path: Path) -> None:
    codes = [f"E09{i:06d}" for i in range(3)] + [f"E06{i:06d}" for i in range(9)]
    shapes = [box(i * 2_000, 0, (i + 1) * 2_000, 2_000) for i in range(3)]  # small boroughs
    shapes += [box(i * 60_000, 100_000, (i + 1) * 60_000, 160_000) for i in range(9)]
    outlines = Outlines.of(gpd.GeoSeries(shapes, index=codes, crs="EPSG:27700"))
    svg = choropleth(
        outlines,
        dict.fromkeys(codes, 1.0),
        classify(pd.Series([1.0, 2.0])),
        alt="a",
        id_prefix="m",
        inset=codes[:3],
    )
    assert svg.count('class="inset-box"') == 1
    assert ">London</text>" in svg
    assert svg.count("<path") == 12 + 3  # every area, and the boroughs again


# --- charts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Bournemouth, Christchurch and Poole", "North Eastern Region", "King's Lynn and West Norfolk"]
)
def test_chart_labels_wrap_instead_of_being_cut(name: str) -> None:
    svg = bars([(name, 10.0, True), ("National average", 8.0, False)], alt="a", prefix="p", fmt=str)
    shown = re.findall(r">([^<>]+)</text>", svg)
    label = shown[: shown.index("10.0")]  # the lines of the first label, before its value
    assert html.unescape(" ".join(label)) == name  # every word kept, in order, none cut off by the edge
    assert "…" not in " ".join(shown)


def test_a_label_too_long_for_two_lines_says_it_is_shortened() -> None:
    name = "An Exceptionally Long Combined Authority Name That Goes On And On"
    lines = fit(name, 138, lines=2)
    assert len(lines) == 2
    assert lines[-1].endswith("…")
    svg = bars([(name, 1.0, True)], alt="a", prefix="p", fmt=str)
    assert f"<title>{name}</title>" in svg  # the whole name on hover


# --- real money --------------------------------------------------------------------------------------


def test_cash_and_real_terms_follow_the_inflation_assumption() -> None:
    s = small_settlement()  # amounts in real terms, 2% inflation
    ctx = ReportContext(s)
    v = area_view(ctx, "E06000003")
    index = price_index(s.years, s.scenario.inflation)
    assert index.tolist() == pytest.approx([1.02, 1.02**2])
    assert v.real == pytest.approx(v.total)
    assert v.cash == pytest.approx([a * i for a, i in zip(v.total, index, strict=True)])
    # change on the year before, and since the baseline, in both terms
    assert v.change_cash[1] == pytest.approx(v.cash[1] / v.cash[0] - 1)
    assert v.since_base_real[1] == pytest.approx(v.real[1] / v.baseline - 1)
    assert v.since_base_cash[0] == pytest.approx(v.cash[0] / v.baseline - 1)


def test_area_page_shows_cash_and_real_terms(tmp_path: Path) -> None:
    s = small_settlement()
    site = write_report(s, tmp_path / "r").parent
    text = _text((site / "areas" / "E06000003.html").read_text(encoding="utf-8"))
    v = area_view(ReportContext(s), "E06000003")
    assert "Cash " + " ".join(money(x) for x in v.cash) in text
    assert "Real terms (2025-26 prices) " + " ".join(money(x) for x in v.real) in text
    assert "Change since 2025-26 " + " ".join(pct(x, signed=True) for x in v.since_base_real) in text


def test_similar_councils_are_nearest_by_need_and_size_within_a_tier() -> None:
    areas = pd.DataFrame(
        {
            "population": [100_000, 105_000, 1_000_000, 98_000, 101_000],
            "need": [10.0, 10.5, 10.2, 30.0, 9.8],
            "tier": ["County", "County", "County", "County", "District"],
        },
        index=["A", "B", "C", "D", "E"],
    )
    similar = similar_areas(areas, ["need"], "population", "tier", k=2)
    # B is close in need and size; C (ten times the people) and D (three times the need) are further;
    # E is nearest of all in figures but another tier, so it comes only after every county
    assert similar.codes["A"] == ["B", "D"] or similar.codes["A"] == ["B", "C"]
    assert similar.codes["A"][0] == "B"
    assert "E" not in similar.codes["A"]
    assert similar.codes["E"][0] == "A"  # alone in its tier: filled from the others, nearest first
    assert similar.columns == ["need", "population"]
    assert similar.weights == pytest.approx([0.5, 0.5])


def _with_facts(s):
    areas = s.areas.copy()
    areas["spend_2324"] = [1.5e6, 2.5e6, np.nan, 3e6]
    areas["funding_source"] = ["returned", "returned", "filled: nearest neighbour", "returned"]
    geography = s.scenario.geography.model_copy(
        update={
            "facts": {
                "spend_2324": FactSpec(label="Spending 2023-24", unit="gbp", source="MHCLG revenue outturn"),
                "funding_source": FactSpec(label="Funding figures", unit="text", source="this project"),
            },
            "attribution": [
                "Contains public sector information licensed under the Open Government Licence v3.0."
            ],
        }
    )
    scenario = s.scenario.model_copy(update={"geography": geography})
    summary = {**s.summary, "provenance": {**s.summary["provenance"], "attribution": geography.attribution}}
    return dataclasses.replace(s, areas=areas, scenario=scenario, summary=summary)


def test_published_figures_and_attribution(tmp_path: Path) -> None:
    s = _with_facts(small_settlement())
    site = write_report(s, tmp_path / "r").parent
    page = _text((site / "areas" / "E06000001.html").read_text(encoding="utf-8"))
    assert "Spending 2023-24 £2.5m MHCLG revenue outturn" in page
    assert "Funding figures returned this project" in page
    gap = _text((site / "areas" / "E06000002.html").read_text(encoding="utf-8"))
    assert "Spending 2023-24 not published" in gap
    assert "Funding figures filled: nearest neighbour" in gap
    for path in site.rglob("*.html"):
        assert "Open Government Licence v3.0" in path.read_text(encoding="utf-8"), path.name


def test_inspect_shows_the_published_figures() -> None:
    s = _with_facts(small_settlement())
    console = Console(record=True, width=100)
    render_area(console, s, "E06000001")
    text = " ".join(console.export_text().split())
    assert "Published figures Spending 2023-24: £2.5m (MHCLG revenue outturn)" in text
    assert "Funding figures: returned (this project)" in text


def test_assumptions_are_labelled_as_such_everywhere(tmp_path: Path) -> None:
    """Effects, response curves and weights are modelling assumptions: the explorer says so next to the
    outcomes and lists the scenario's own assumptions; inspect and the workbook say so too."""
    from openpyxl import load_workbook

    from allocator.reports.excel import write_xlsx
    from allocator.reports.words import ASSUMED

    s = small_settlement()
    listed = {
        "effects": "a judgement, anchored on public health's 4:1 return",
        "mission weights": "Green Book",
    }
    s = dataclasses.replace(s, scenario=s.scenario.model_copy(update={"assumptions": listed}))
    site = write_report(s, tmp_path / "r").parent
    index = _text((site / "index.html").read_text(encoding="utf-8"))
    assert "Assumptions " + ASSUMED in index
    assert "effects a judgement, anchored on public health's 4:1 return" in index
    assert "mission weights Green Book" in index
    area = _text((site / "areas" / "E06000001.html").read_text(encoding="utf-8"))
    assert ASSUMED + " The assumptions, with their sources." in area
    console = Console(record=True, width=100)
    render_area(console, s, "E06000001")
    assert "assumed: " + ASSUMED in " ".join(console.export_text().split())
    write_xlsx(s, tmp_path / "s.xlsx")
    rows = list(load_workbook(tmp_path / "s.xlsx", read_only=True)["Summary"].iter_rows(values_only=True))
    assert ("assumption", "effects", listed["effects"]) in [tuple(r[:3]) for r in rows]


# --- the waterfall and outcomes ----------------------------------------------------------------------


def test_a_negative_fair_share_says_own_resources_are_netted_off() -> None:
    geography = tiny_geography(
        [100.0, 100.0],
        {"growth_fund": [1_000.0, 1_000.0]},
        indicators={"gva": [30.0, 39.0]},
        own={2026: [100.0, 5_000.0]},
    )
    scenario = tiny_scenario(
        {"envelopes": {"resource": 2_000.0}, "geography": {"own_resources": {"path": "own.csv"}}}
    )
    s = solve(scenario, geography)
    v = area_view(ReportContext(s), "E06000001")
    target = v.waterfall[1]
    assert target[2][0] < 0  # its own resources exceed its share of the total
    assert "less its own resources" in target[1]
    assert "can be negative" in target[1]


def test_outcomes_in_their_unit_with_the_share_of_the_gap_closed(tmp_path: Path) -> None:
    s = small_settlement()
    v = area_view(ReportContext(s), "E06000001")  # gva 33 against a target of 40
    (growth,) = v.outcomes
    assert growth.unit == "£ GVA per hour"
    assert growth.gap_share == pytest.approx(growth.change[-1] / (40.0 - 33.0))
    page = _text(
        (write_report(s, tmp_path / "r").parent / "areas" / "E06000001.html").read_text(encoding="utf-8")
    )
    assert f"Growth £ GVA per hour higher is better 33.00 {growth.change[0]:+.4f}" in page
    assert pct(growth.gap_share) in page


# --- compare ------------------------------------------------------------------------------------------


def test_winners_are_real_winners_and_per_head_is_a_year() -> None:
    s = small_settlement()
    same = compare(s, s, ("a", "b"))
    winners, losers = same.winners_and_losers(10)
    assert winners.empty  # nothing moved: no winner, no loser
    assert losers.empty
    assert same.counts() == (0, 0, len(s.areas))
    other = dataclasses.replace(
        s, allocations=s.allocations.assign(amount_gbp=s.allocations["amount_gbp"] * 1.1)
    )
    diff = compare(s, other, ("a", "b"))
    code = diff.by_area.index[0]
    per_year = diff.by_area.at[code, "change_gbp"] / len(s.years) / s.areas.at[code, "population"]
    assert diff.by_area.at[code, "change_per_head_gbp"] == pytest.approx(per_year)
