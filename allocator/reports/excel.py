"""The analyst's workbook: every table of a settlement in ``settlement.xlsx``, written by XlsxWriter
(what each sheet holds is in ``excel_sheets``; this module writes them).

Sheets: Summary (what the run was asked, totals in cash and real terms, mission value, verification, the
data's attribution; it prints on one page), Areas (one row per area: its published figures, settlement,
similar councils, neighbours and the rules holding it), Allocations (a column per stream), Area totals,
Outcomes, Shadow prices, Binding rules and Verification (each rule's sentence, the same as the explorer's
and the terminal's), Waterfall, Scenario (the resolved scenario, flattened) and Provenance.

Headers say what a column is and its unit ("Amount (£)"); every table about areas carries the area's
name. Cells hold exact values (£, not £m); number formats only change how they show: money as £m
(``£#,##0.0,,"m"``), shares as %, £ per head with pence, indicators with the decimals their size needs.
Every sheet has a bold, frozen header row, an autofilter, column widths from its content, and a print
setup (landscape A4, one page wide, the header row repeated). Every text cell is made safe by
``allocator.safe_text.spreadsheet_cell`` (no formula can start in a cell).

The file is deterministic: the document's date is fixed (``allocator.file_date.FIXED_DATE``) and XlsxWriter
stamps every zip entry with the same date, so the same settlement gives the same bytes.
"""

from __future__ import annotations

import math
import numbers
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xlsxwriter

from allocator.file_date import FIXED_DATE
from allocator.reports.context import ReportContext
from allocator.reports.excel_sheets import (
    COUNT,
    HEADERS,
    MAX_ROWS,
    MAX_WIDTH,
    MONEY,
    PCT,
    PER_HEAD,
    SMALL_MONEY,
    Column,
    Sheet,
    header,
    sheets,
    summary,
)
from allocator.safe_text import spreadsheet_cell
from allocator.settlement import Settlement

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook

__all__ = ["COUNT", "HEADERS", "MONEY", "PCT", "PER_HEAD", "header", "write_workbook", "write_xlsx"]

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters XML cannot hold: dropped from text cells."""


def write_xlsx(settlement: Settlement, path: Path) -> Path:
    """Write ``settlement.xlsx`` (or any ``path``) for analysts; returns the path.

    Args:
        settlement: a solved (or read back) settlement.
        path: the workbook to write; replaced if it exists.

    Returns:
        The path written.
    """
    path = Path(path)
    ctx = ReportContext(settlement)
    all_sheets = sheets(ctx)
    notes = [
        f"sheet {sh.title} shows the first {MAX_ROWS:,} rows; the run folder's CSV has them all"
        for sh in all_sheets
        if max(len(c.values) for c in sh.columns) > MAX_ROWS
    ]
    return write_workbook(
        path, settlement.scenario.name, [Sheet("Summary", summary(ctx, notes), one_page=True), *all_sheets]
    )


def write_workbook(path: Path, title: str, sheets_to_write: list[Sheet]) -> Path:
    """Write ``sheets_to_write`` to the workbook ``path`` in this module's layout (headers, formats,
    print setup, safe text), deterministically; returns the path."""
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": False,
        },
    )
    created = datetime.fromisoformat(FIXED_DATE)
    wb.set_properties({"title": spreadsheet_cell(title), "author": "allocator", "created": created})
    formats = _Formats(wb)
    for sheet in sheets_to_write:
        _write_sheet(wb, sheet, formats)
    wb.close()
    return path


# --- writing ---------------------------------------------------------------------------------------


class _Formats:
    """XlsxWriter formats, made once per number format."""

    def __init__(self, wb: Workbook):
        self.wb = wb
        self.cache: dict[str | None, Format | None] = {None: None}
        self.bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "bottom"})

    def __call__(self, fmt: str | None) -> Format | None:
        if fmt not in self.cache:
            self.cache[fmt] = self.wb.add_format({"num_format": fmt})
        return self.cache[fmt]


def _display(value: Any, fmt: str | None) -> str:
    """Roughly what a cell shows, to size its column."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if fmt == MONEY:
            return f"-£{abs(value) / 1e6:,.1f}m"
        if fmt in (PER_HEAD, SMALL_MONEY):
            return f"-£{abs(value):,.2f}"
        if fmt == PCT:
            return f"{value * 100:.1f}%"
        if fmt == COUNT:
            return f"{value:,.0f}"
        return f"{value:.10g}"
    return "" if value is None else str(value)


def _width(col: Column) -> float:
    values = col.values
    if isinstance(col.fmt, str) and values and all(isinstance(v, numbers.Real) for v in values):
        finite = [v for v in values if math.isfinite(v)]
        values = [max(finite, key=abs), min(finite)] if finite else []  # the widest shown
    elif len(values) > 2000:
        values = values[:2000]  # a sample is enough to size a text column
    longest = max((len(_display(v, col.format_of(i))) for i, v in enumerate(values)), default=0)
    head = max((len(w) for w in col.header.split()), default=0)  # headers wrap at spaces
    return float(min(max(longest, head + 2, 8) + 2, MAX_WIDTH))


def _prepared(col: Column, formats: _Formats) -> tuple[list[Any], list[Any]]:
    """The column's cells as written: numbers as finite floats, booleans, text made safe for a
    spreadsheet (each distinct text once), and None for an empty cell; with each cell's format."""
    safe: dict[str, str] = {}
    cells: list[Any] = []
    for value in col.values:
        if value is None or value is pd.NA or value is pd.NaT:
            cells.append(None)
        elif isinstance(value, bool | np.bool_):
            cells.append(bool(value))
        elif isinstance(value, numbers.Real):
            f = float(value)
            cells.append(f if math.isfinite(f) else None)
        else:
            text = str(value)
            if text not in safe:
                safe[text] = spreadsheet_cell(_ILLEGAL.sub("", text))
            cells.append(safe[text])
    fmts = [formats(f) for f in col.fmt] if isinstance(col.fmt, list) else [formats(col.fmt)] * len(cells)
    return cells, fmts


def _write_sheet(wb: Workbook, sheet: Sheet, formats: _Formats) -> None:
    ws = wb.add_worksheet(sheet.title)
    columns = sheet.columns
    rows = min(max((len(c.values) for c in columns), default=0), MAX_ROWS)
    for i, col in enumerate(columns):
        ws.set_column(i, i, _width(col))
    ws.freeze_panes(*sheet.freeze)
    ws.autofilter(0, 0, rows, len(columns) - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 1 if sheet.one_page else 0)
    for c, col in enumerate(columns):
        ws.write_string(0, c, spreadsheet_cell(col.header), formats.bold)
    prepared = [_prepared(col, formats) for col in columns]
    number, string, boolean = ws.write_number, ws.write_string, ws.write_boolean
    for r in range(rows):
        for c, (cells, fmts) in enumerate(prepared):
            value = cells[r] if r < len(cells) else None
            if value is None:
                continue
            if value is True or value is False:
                boolean(r + 1, c, value)
            elif type(value) is float:
                number(r + 1, c, value, fmts[r])
            else:
                string(r + 1, c, value)
