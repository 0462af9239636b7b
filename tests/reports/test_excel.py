"""settlement.xlsx: every number read back equals the settlement's; formats, frozen headers, filters; same bytes."""

from __future__ import annotations

import dataclasses
import math
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from allocator.reports.excel import MONEY, PCT, PER_HEAD, write_xlsx
from tests.reports import CODES, NAMES, STREAMS, YEARS, small_settlement

SHEETS = [
    "Summary",
    "Allocations",
    "Area totals",
    "Outcomes",
    "Shadow prices",
    "Binding rules",
    "Waterfall",
    "Verification",
    "Scenario",
]


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
        assert all(6 <= w <= 60 for w in widths), ws.title


def test_allocations_equal_the_settlement_by_area_year_and_stream(book) -> None:
    s = small_settlement()
    header, rows = _table(book["Allocations"])
    assert header == ["area_code", "area_name", "year", "financial_year", *STREAMS, "total"]
    assert len(rows) == len(CODES) * len(YEARS)
    wide = s.amounts()
    for row in rows:
        code, name, year, label = row[:4]
        assert name == NAMES[CODES.index(code)]
        assert label == f"{year}-{(year + 1) % 100:02d}"
        for stream, value in zip(STREAMS, row[4:-1], strict=True):
            assert value == wide.loc[(code, year), stream]  # pence: exact
        assert _same(row[-1], wide.loc[(code, year)].sum())
    ws = book["Allocations"]
    for col in range(5, 5 + len(STREAMS) + 1):
        assert ws.cell(row=2, column=col).number_format == MONEY


def test_area_totals_equal_area_year_totals_with_money_pct_and_per_head_formats(book) -> None:
    totals = small_settlement().area_year_totals().reset_index()
    ws = book["Area totals"]
    header, rows = _table(ws)
    assert header[:4] == ["area_code", "area_name", "year", "financial_year"]
    assert [h for h in header if h not in ("area_name", "financial_year")] == list(totals.columns)
    assert len(rows) == len(totals)
    for row, (_, expected) in zip(rows, totals.iterrows(), strict=True):
        for col, value in zip(header, row, strict=True):
            if col in totals:
                assert _same(value, expected[col]), (col, value, expected[col])
    fmt = {h: ws.cell(row=2, column=i).number_format for i, h in enumerate(header, start=1)}
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
        header, rows = _table(book[sheet])
        assert len(rows) == len(frame), sheet
        assert set(frame.columns) <= set(header), sheet
        for col in ("amount_gbp", "projected_change", "rule_id"):
            if col in frame:
                got = [r[header.index(col)] for r in rows]
                assert all(_same(g, e) for g, e in zip(got, frame[col].tolist(), strict=True)), sheet
    header, rows = _table(book["Binding rules"])
    assert {r[header.index("description")] for r in rows} == {"No area's settlement falls in cash terms."}


def test_summary_has_totals_value_verification_and_provenance(book) -> None:
    s = small_settlement()
    ws = book["Summary"]
    header, rows = _table(ws)
    assert header == ["section", "item", "value"]
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
    assert items[("solve", "status")] == "optimal"
    assert any(section == "provenance" and item.startswith("version ") for section, item in items)
    formats = {(r[0].value, r[1].value): r[2].number_format for r in ws.iter_rows(min_row=2)}
    assert formats[("totals", "2026-27 total")] == MONEY
    assert formats[("mission value", "gain from optimising, %")] == PCT


def test_scenario_sheet_flattens_the_resolved_scenario(book) -> None:
    _, rows = _table(book["Scenario"])
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
        assert {info.date_time for info in z.infolist()} == {(2025, 1, 1, 0, 0, 0)}
    props = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert props.created == props.modified == pd.Timestamp("2025-01-01").to_pydatetime()


def test_text_starting_with_equals_is_kept_as_text(tmp_path: Path) -> None:
    s = small_settlement()
    odd = s.scenario.model_copy(update={"description": "=SUM(A1:A2) is not a formula"})
    path = write_xlsx(dataclasses.replace(s, scenario=odd), tmp_path / "odd.xlsx")
    ws = openpyxl.load_workbook(path)["Summary"]
    cell = next(r[2] for r in ws.iter_rows(min_row=2) if r[1].value == "description")
    assert (cell.value, cell.data_type) == ("=SUM(A1:A2) is not a formula", "s")
