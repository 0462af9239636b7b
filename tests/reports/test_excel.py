"""settlement.xlsx: every number read back equals the settlement's; readable headers, formats, frozen
headers, filters, print setup; the area's name on every area table; what the run was asked; same bytes."""

from __future__ import annotations

import dataclasses
import math
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from allocator.reports.excel import HEADERS, MONEY, PCT, PER_HEAD, header, write_xlsx
from tests.reports import CODES, NAMES, STREAMS, YEARS, small_settlement

SHEETS = [
    "Summary",
    "Areas",
    "Allocations",
    "Area totals",
    "Outcomes",
    "Shadow prices",
    "Binding rules",
    "Waterfall",
    "Verification",
    "Scenario",
    "Provenance",
]
LABELS = {"growth_fund": "Growth fund (£)", "build_fund": "Build fund (£)"}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = write_xlsx(small_settlement(), tmp_path_factory.mktemp("xlsx") / "settlement.xlsx")
    return openpyxl.load_workbook(path)


def _table(ws) -> tuple[list[str], list[list]]:
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), [list(r) for r in rows[1:]]


def _same(cell, expected) -> bool:
    """The cell holds the value itself (the £, not a rounded £m), to the 16 significant digits openpyxl
    writes: amounts in pence come back exact, derived figures within one part in 1e15."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return cell is None
    if isinstance(expected, bool):
        return cell is expected
    if isinstance(expected, float | int):
        return cell == pytest.approx(expected, rel=1e-15, abs=1e-12)
    return cell == expected


def test_the_workbook_has_every_sheet_with_a_frozen_header_and_a_filter(book) -> None:
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert ws.freeze_panes in ("A2", "C2"), ws.title
        assert ws.auto_filter.ref == ws.dimensions, ws.title
        assert all(cell.font.bold for cell in ws[1]), ws.title
        widths = [ws.column_dimensions[c].width for c in ws.column_dimensions]
        assert widths, ws.title
        assert all(6 <= w <= 62 for w in widths), ws.title
        # printed landscape on A4, one page wide, the header row on every page
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1), ws.title  # 1 is the file format's default
        assert ws.print_title_rows.replace("$", "") == "1:1", ws.title
        # the Summary fits one page; the other sheets run on as many pages as they need
        assert ws.page_setup.fitToHeight in ((None, 1) if ws.title == "Summary" else (0,)), ws.title


def test_headers_say_what_and_in_which_unit_and_area_tables_name_the_area(book) -> None:
    assert header("amount_gbp") == "Amount (£)"
    assert header("change_vs_baseline_pct") == "Change since the baseline (%)"
    assert header("some_new_gbp") == "Some new (£)"
    for ws in book.worksheets:
        heads = [c.value for c in ws[1]]
        assert not [h for h in heads if "_" in str(h)], (ws.title, heads)
        if "Area code" in heads:
            assert heads[heads.index("Area code") + 1] == "Area", ws.title


def test_allocations_equal_the_settlement_by_area_year_and_stream(book) -> None:
    s = small_settlement()
    heads, rows = _table(book["Allocations"])
    assert heads == [
        "Area code",
        "Area",
        "Financial year",
        *(LABELS[s] for s in STREAMS),
        "Total (£)",
    ]
    assert len(rows) == len(CODES) * len(YEARS)
    wide = s.amounts()
    ws = book["Allocations"]
    for i, row in enumerate(rows, start=2):
        code, name, year = row[:3]
        assert name == NAMES[CODES.index(code)]
        # the year is a number shown as its financial year: 2026 as 2026-27
        assert ws.cell(row=i, column=3).number_format == f'0"-{(year + 1) % 100:02d}"'
        for stream, value in zip(STREAMS, row[3:-1], strict=True):
            assert value == wide.loc[(code, year), stream]  # pence: exact
        assert _same(row[-1], wide.loc[(code, year)].sum())
    for col in range(4, 4 + len(STREAMS) + 1):
        assert ws.cell(row=2, column=col).number_format == MONEY


def test_area_totals_equal_area_year_totals_with_money_pct_and_per_head_formats(book) -> None:
    totals = small_settlement().area_year_totals().reset_index()
    ws = book["Area totals"]
    heads, rows = _table(ws)
    assert heads[:3] == ["Area code", "Area", "Financial year"]
    names = {header(c): c for c in totals.columns}
    assert [names[h] for h in heads if h != "Area"] == list(totals.columns)
    assert len(rows) == len(totals)
    for row, (_, expected) in zip(rows, totals.iterrows(), strict=True):
        for head, value in zip(heads, row, strict=True):
            if head in names:
                assert _same(value, expected[names[head]]), (head, value, expected[names[head]])
    fmt = {names.get(h, h): ws.cell(row=2, column=i).number_format for i, h in enumerate(heads, start=1)}
    assert fmt["amount_gbp"] == fmt["change_gbp"] == fmt["formula_allocation_gbp"] == MONEY
    assert fmt["change_pct"] == fmt["change_vs_baseline_pct"] == PCT
    assert fmt["per_head_gbp"] == PER_HEAD


def test_other_tables_match_the_settlement(book) -> None:
    s = small_settlement()
    for sheet, frame in (
        ("Outcomes", s.outcomes),
        ("Waterfall", s.waterfall()),
        ("Binding rules", s.binding),
        ("Verification", s.verification),
        ("Shadow prices", s.shadow_prices),
    ):
        heads, rows = _table(book[sheet])
        assert len(rows) == len(frame), sheet
        assert {header(c) for c in frame.columns} <= set(heads), sheet
        for col in ("amount_gbp", "projected_change", "rule_id"):
            if col in frame:
                got = [r[heads.index(header(col))] for r in rows]
                assert all(_same(g, e) for g, e in zip(got, frame[col].tolist(), strict=True)), sheet
    # each rule's words once, on the Verification sheet, not on every binding row
    heads, rows = _table(book["Binding rules"])
    assert HEADERS["description"] not in heads
    heads, rows = _table(book["Verification"])
    described = {r[heads.index("Rule")]: r[heads.index(HEADERS["description"])] for r in rows}
    assert described["funding_guarantee"] == "No area's settlement falls in cash terms."


def test_outcomes_show_each_indicator_at_its_precision_with_its_unit(book) -> None:
    ws = book["Outcomes"]
    heads = [c.value for c in ws[1]]
    assert "Unit" in heads
    assert "Mission (name)" in heads
    row = [c for c in ws[2]]
    values = dict(zip(heads, row, strict=True))
    assert values["Unit"].value == "£ GVA per hour"
    assert values["Now"].number_format == "#,##0.00"  # an indicator near 30: two decimals
    assert values["Projected change"].number_format == "#,##0.0000"  # a change: two more


def test_areas_sheet_has_one_row_per_area_with_its_peers(book) -> None:
    heads, rows = _table(book["Areas"])
    assert [r[0] for r in rows] == CODES
    assert [r[1] for r in rows] == NAMES
    for col in ("Similar councils", "Neighbours", "Rules holding it", "Per head a year (£)"):
        assert col in heads
    assert rows[3][heads.index("Rules holding it")] == "Funding guarantee (floor)"


def test_summary_has_totals_value_verification_and_provenance(book) -> None:
    s = small_settlement()
    ws = book["Summary"]
    heads, rows = _table(ws)
    assert heads == ["Section", "Item", "Value"]
    items = {(r[0], r[1]): r[2] for r in rows}
    assert items[("scenario", "name")] == "reports test"
    assert items[("scenario", "years")] == "2026-27, 2027-28"
    by_year = s.allocations.groupby(["year", "budget"])["amount_gbp"].sum()
    assert items[("totals", "2026-27 resource")] == pytest.approx(by_year[(2026, "resource")], abs=1e-6)
    assert items[("totals", "2027-28 capital envelope")] == 24_000.0
    v = s.summary["value"]
    assert _same(items[("mission value", "V (this settlement)")], v["V"])
    assert _same(items[("mission value", "V of the formula allocation")], v["V_formula"])
    assert _same(items[("mission value", "gain from optimising")], v["gain"])
    assert items[("verification", "status")] == "every rule holds"
    _, prov = _table(book["Provenance"])
    assert ("solve", "status", "optimal") in {tuple(r) for r in prov}
    assert any(r[0] == "versions" and r[1] == "allocator" for r in prov)
    formats = {(r[0].value, r[1].value): r[2].number_format for r in ws.iter_rows(min_row=2)}
    assert formats[("totals", "2026-27 total")] == MONEY
    assert formats[("mission value", "gain from optimising, %")] == PCT


def test_scenario_sheet_flattens_the_resolved_scenario(book) -> None:
    _, rows = _table(book["Scenario"])  # Key, Value
    pairs = dict(rows)
    assert pairs["name"] == "reports test"
    assert pairs["years"] == "2026, 2027"
    assert pairs["rules.funding_guarantee.phi"] == 1.0
    assert pairs["streams.build_fund.budget"] == "capital"


def test_same_settlement_gives_byte_identical_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = small_settlement()
    first = write_xlsx(s, tmp_path / "a.xlsx").read_bytes()
    # a different clock for the second write: zip entries and document dates must not follow it
    monkeypatch.setattr("time.time", lambda: 2_000_000_000.0)
    second = write_xlsx(s, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert len({info.date_time for info in z.infolist()}) == 1  # one fixed date, not the clock's
    props = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert props.created == pd.Timestamp("2025-01-01").to_pydatetime()


def test_text_starting_with_equals_is_kept_as_text(tmp_path: Path) -> None:
    s = small_settlement()
    odd = s.scenario.model_copy(update={"description": "=SUM(A1:A2) is not a formula"})
    path = write_xlsx(dataclasses.replace(s, scenario=odd), tmp_path / "odd.xlsx")
    ws = openpyxl.load_workbook(path)["Summary"]
    cell = next(r[2] for r in ws.iter_rows(min_row=2) if r[1].value == "description")
    # text, never a formula, and marked as text for a spreadsheet that would read it as one (OWASP)
    assert (cell.value, cell.data_type) == ("'=SUM(A1:A2) is not a formula", "s")


def test_the_summary_says_what_the_run_was_asked_and_credits_the_data(tmp_path: Path) -> None:
    s = small_settlement()
    scenario = s.scenario.with_overrides({"rules.funding_guarantee.phi": 0.98})
    prov = {
        "sources": scenario.provenance.as_dict(),
        "attribution": ["Contains OS data © Crown copyright 2025"],
    }
    summary = {**s.summary, "provenance": {**s.summary["provenance"], **prov}}
    path = write_xlsx(dataclasses.replace(s, scenario=scenario, summary=summary), tmp_path / "set.xlsx")
    _, rows = _table(openpyxl.load_workbook(path)["Summary"])
    items = [(r[0], r[1], r[2]) for r in rows]
    assert ("scenario", "changed by --set", "rules.funding_guarantee.phi: 1.0 -> 0.98") in items
    assert ("data", "attribution", "Contains OS data © Crown copyright 2025") in items
