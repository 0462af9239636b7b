"""The workbook's writer of SpreadsheetML: well-formed parts in the schema's order, exact numbers, hostile
text kept as text, and the same bytes whatever the process."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from allocator.reports.xlsx import MAX_TEXT, XlsxSheet, column_letter, write_xlsx_file

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
WORKSHEET_ORDER = [
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "autoFilter", "pageMargins",
    "pageSetup",
]  # fmt: skip
"""The order CT_Worksheet's schema gives the elements this writer uses."""
CREATED = datetime(2025, 1, 1)


def _book(path: Path, sheets: list[XlsxSheet], title: str = "t") -> Path:
    return write_xlsx_file(path, sheets, title, "allocator", CREATED)


def _sheet(title: str = "Data", freeze: tuple[int, int] = (1, 0)) -> XlsxSheet:
    return XlsxSheet(
        title,
        ["Area", "Amount (£)", "Holds"],
        [['Bath & <NE> "Somerset"', "it's", None], [1.5, 2026.0, 1e16], [True, False, None]],
        [[None, None, None], ['£#,##0.0,,"m"', '0"-27"', "#,##0"], [None, None, None]],
        [12.0, 14.5, 8.0],
        freeze,
    )


def test_column_letters_run_a_to_z_then_aa():
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA"]


def test_every_part_is_well_formed_has_a_content_type_and_sheets_keep_the_schema_order(tmp_path):
    path = _book(tmp_path / "a.xlsx", [_sheet(), _sheet("Two", freeze=(1, 2)), _sheet("Three", (0, 0))])
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert z.testzip() is None
        types = ElementTree.fromstring(z.read("[Content_Types].xml"))
        overrides = {e.get("PartName") for e in types if e.get("PartName")}
        for name in names:
            root = ElementTree.fromstring(z.read(name))  # raises on anything not well-formed
            if name.endswith(".xml") and name != "[Content_Types].xml":
                assert "/" + name in overrides, name
            if name.startswith("xl/worksheets/"):
                order = [child.tag.removeprefix(MAIN) for child in root]
                assert order == [t for t in WORKSHEET_ORDER if t in order], (name, order)
                assert order == WORKSHEET_ORDER, name


def test_cells_read_back_exactly_with_formats_panes_filter_and_print_setup(tmp_path):
    book = openpyxl.load_workbook(_book(tmp_path / "a.xlsx", [_sheet(), _sheet("Two", freeze=(1, 2))]))
    ws = book["Data"]
    assert [c.value for c in ws[1]] == ["Area", "Amount (£)", "Holds"]
    assert all(c.font.bold and c.alignment.wrap_text for c in ws[1])
    assert [c.value for c in ws["A"]][1:] == ['Bath & <NE> "Somerset"', "it's", None]
    assert [c.value for c in ws["B"]][1:] == [1.5, 2026, 1e16]
    assert [c.number_format for c in ws["B"]][1:] == ['£#,##0.0,,"m"', '0"-27"', "#,##0"]
    assert [c.value for c in ws["C"]][1:] == [True, False, None]
    assert ws.freeze_panes == "A2"
    assert book["Two"].freeze_panes == "C2"
    assert ws.auto_filter.ref == ws.dimensions == "A1:C4"
    assert ws.print_title_rows.replace("$", "") == "1:1"
    assert (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToHeight) == (
        "landscape",
        9,
        0,
    )
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["A"].width == pytest.approx(12 + 5 / 7)
    assert book.properties.title == "t"
    assert book.properties.created == CREATED


@pytest.mark.parametrize(
    "value", [0.1 + 0.2, 1 / 3, 123456789.00000003, 5e-324, -1.7976931348623157e308, 2.0**53]
)
def test_numbers_read_back_as_the_same_float(tmp_path, value):
    sheet = XlsxSheet("N", ["x"], [[value]], [[None]], [8.0])
    got = openpyxl.load_workbook(_book(tmp_path / "n.xlsx", [sheet]))["N"]["A2"].value
    assert float(got) == value


def test_hostile_text_stays_text_and_what_xml_cannot_hold_is_dropped(tmp_path):
    texts = ["a\x00b\x1fc", "lone \ud800 surrogate", "</t></si><si><t>injected", "x" * (MAX_TEXT + 10)]
    sheet = XlsxSheet("Sheet's <&>", ["head\x01er & <b>"], [list(texts)], [[None] * 4], [8.0])
    book = openpyxl.load_workbook(_book(tmp_path / "h.xlsx", [sheet], title="t\x02 & <i>"))
    ws = book["Sheet's <&>"]
    assert ws["A1"].value == "header & <b>"
    assert [c.value for c in ws["A"]][1:] == [
        "abc",
        "lone  surrogate",
        "</t></si><si><t>injected",
        "x" * MAX_TEXT,
    ]
    assert book.properties.title == "t & <i>"
    assert ws.auto_filter.ref == "A1:A5"


def test_the_same_sheets_give_the_same_bytes_in_any_process(tmp_path):
    # string hashing differs between processes: nothing written may depend on a set's order
    script = (
        "import sys; from datetime import datetime; from pathlib import Path; sys.path.insert(0, '.');"
        "from tests.reports.test_xlsx import _book, _sheet;"
        "_book(Path(sys.argv[1]), [_sheet(), _sheet('Two', (1, 2))])"
    )
    root = Path(__file__).resolve().parents[2]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / f"{seed}.xlsx")], cwd=root, env=env, check=True
        )
    assert (tmp_path / "1.xlsx").read_bytes() == (tmp_path / "2.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "1.xlsx") as z:
        assert {info.date_time for info in z.infolist()} == {(2025, 1, 1, 0, 0, 0)}


def test_a_sheet_made_a_block_of_rows_at_a_time_reads_back_whole(tmp_path, monkeypatch):
    from allocator.reports import xlsx

    values = [float(i) for i in range(7)]
    sheet = XlsxSheet("Long", ["n", "short"], [values, ["a", "b", "c"]], [[None] * 7, [None] * 3], [8.0, 8.0])
    whole = _book(tmp_path / "whole.xlsx", [sheet]).read_bytes()
    monkeypatch.setattr(xlsx, "ROWS_AT_ONCE", 2)
    ws = openpyxl.load_workbook(_book(tmp_path / "blocks.xlsx", [sheet]))["Long"]
    assert [c.value for c in ws["A"]][1:] == values
    assert [c.value for c in ws["B"]][1:] == ["a", "b", "c", None, None, None, None]
    assert (tmp_path / "blocks.xlsx").read_bytes() == whole
