"""The analyst's workbook: every table of a settlement in ``settlement.xlsx`` (what each sheet holds is in
``excel_sheets``; this module lays the sheets out, and ``xlsx`` writes the file).

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

The file is deterministic: the document's date is fixed (``allocator.file_date.FIXED_DATE``) and every zip
entry carries that date, so the same settlement gives the same bytes.
"""

from __future__ import annotations

import math
import numbers
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
from allocator.reports.xlsx import NOT_XML, Cell, XlsxSheet, write_xlsx_file
from allocator.safe_text import spreadsheet_cell
from allocator.settlement import Settlement

__all__ = ["COUNT", "HEADERS", "MONEY", "PCT", "PER_HEAD", "header", "write_workbook", "write_xlsx"]


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
    created = datetime.fromisoformat(FIXED_DATE)
    return write_xlsx_file(
        Path(path),
        [_laid_out(sheet) for sheet in sheets_to_write],
        spreadsheet_cell(title),
        "allocator",
        created,
    )


# --- writing ---------------------------------------------------------------------------------------


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


def _width(header: str, cells: list[Cell], fmts: list[str | None]) -> float:
    shown = [v for v in cells if v is not None]
    if len(set(fmts)) == 1 and fmts[0] is not None and shown and all(type(v) is float for v in shown):
        values: list[Cell] = [max(shown, key=abs), min(shown)]  # the widest shown
    else:
        values = cells[:2000]  # a sample is enough to size a text column
    longest = max((len(_display(v, f)) for v, f in zip(values, fmts, strict=False)), default=0)
    head = max((len(w) for w in header.split()), default=0)  # headers wrap at spaces
    return float(min(max(longest, head + 2, 8) + 2, MAX_WIDTH))


def _prepared(col: Column, rows: int) -> tuple[list[Cell], list[str | None]]:
    """The column's first ``rows`` cells as written: numbers as finite floats, booleans, text made safe
    for a spreadsheet (each distinct text once), and None for an empty cell; with each cell's format."""
    safe: dict[str, str] = {}
    cells: list[Cell] = []
    for value in col.values[:rows]:
        kind = type(value)
        if kind is float or kind is np.float64:  # most cells: checked without the slower checks below
            cells.append(float(value) if math.isfinite(value) else None)
        elif kind is str:
            if value not in safe:
                safe[value] = spreadsheet_cell(NOT_XML.sub("", value))
            cells.append(safe[value])
        elif value is None or value is pd.NA or value is pd.NaT:
            cells.append(None)
        elif isinstance(value, bool | np.bool_):
            cells.append(bool(value))
        elif isinstance(value, numbers.Real):
            f = float(value)
            cells.append(f if math.isfinite(f) else None)
        else:
            text = str(value)
            if text not in safe:
                safe[text] = spreadsheet_cell(NOT_XML.sub("", text))
            cells.append(safe[text])
    fmts = list(col.fmt[:rows]) if isinstance(col.fmt, list) else [col.fmt] * len(cells)
    return cells, fmts


def _laid_out(sheet: Sheet) -> XlsxSheet:
    rows = min(max((len(c.values) for c in sheet.columns), default=0), MAX_ROWS)
    prepared = [_prepared(col, rows) for col in sheet.columns]
    return XlsxSheet(
        sheet.title,
        [spreadsheet_cell(col.header) for col in sheet.columns],
        [cells for cells, _ in prepared],
        [fmts for _, fmts in prepared],
        [_width(col.header, cells, fmts) for col, (cells, fmts) in zip(sheet.columns, prepared, strict=True)],
        sheet.freeze,
        sheet.one_page,
    )
