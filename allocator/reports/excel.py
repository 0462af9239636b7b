"""The analyst's workbook: every table of a settlement in ``settlement.xlsx``.

Sheets: Summary, Allocations (one row per area and year, a column per stream), Area totals, Outcomes,
Shadow prices, Binding rules, Waterfall, Verification and Scenario (the resolved scenario, flattened to
key and value). Cells hold exact values (£, not £m); number formats only change how they show: money as
£m (``£#,##0.0,,"m"``), shares as %, £ per head with two decimals. Every sheet has a bold, frozen header
row, an autofilter over its table, and column widths estimated from its content.

The file is deterministic: the document properties carry a fixed date (``FILE_DATE``, as the synthetic
geography's files do) and every zip entry a fixed timestamp, so the same settlement gives the same bytes.
"""

from __future__ import annotations

import math
import numbers
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from allocator.geography.synthetic import FILE_DATE
from allocator.safe_text import spreadsheet_cell
from allocator.settlement import Settlement
from allocator.units import fy

MONEY = '£#,##0.0,,"m"'
"""£ shown in millions with one decimal; the cell keeps the exact £ value."""
PER_HEAD = "£#,##0.00"
PCT = "0.0%"
SMALL_MONEY = "£#,##0.00"
COUNT = "#,##0"
MAX_ROWS = 1_048_575
"""Excel's row limit less the header row; longer tables are cut there (Summary says so)."""
MAX_WIDTH = 60
FILE_DATETIME = datetime.fromisoformat(FILE_DATE)
"""Written as the workbook's created and modified date instead of now."""
_ZIP_DATE = (FILE_DATETIME.year, FILE_DATETIME.month, FILE_DATETIME.day, 0, 0, 0)
_BOLD = Font(bold=True)


@dataclass
class Column:
    """One column of a sheet: its header, values and number format (one for all, or one per cell)."""

    header: str
    values: list[Any]
    fmt: str | list[str | None] | None = None

    def format_of(self, row: int) -> str | None:
        return self.fmt[row] if isinstance(self.fmt, list) else self.fmt


def write_xlsx(settlement: Settlement, path: Path) -> Path:
    """Write ``settlement.xlsx`` (or any ``path``) for analysts; returns the path.

    Args:
        settlement: a solved (or read back) settlement.
        path: the workbook to write; replaced if it exists.

    Returns:
        The path written.
    """
    path = Path(path)
    sheets = _sheets(settlement)
    notes = [
        f"sheet {title} shows the first {MAX_ROWS:,} rows; the run folder's CSV has them all"
        for title, columns, _ in sheets
        if max(len(c.values) for c in columns) > MAX_ROWS
    ]
    wb = Workbook(write_only=True)
    wb.properties.creator = "allocator"
    wb.properties.lastModifiedBy = "allocator"
    wb.properties.title = settlement.scenario.name
    wb.properties.created = wb.properties.modified = FILE_DATETIME
    summary = _summary_columns(settlement, notes)
    for title, columns, freeze in [("Summary", summary, "A2"), *sheets]:
        _write_sheet(wb, title, columns, freeze)
    with _FixedDateZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return path


# --- sheets ----------------------------------------------------------------------------------------


def _sheets(s: Settlement) -> list[tuple[str, list[Column], str]]:
    """Every sheet but the Summary: (title, columns, cell the panes freeze at)."""
    names = s.areas["area_name"]
    wide = s.amounts()
    alloc = wide.reset_index()
    alloc["total"] = wide.sum(axis=1).to_numpy()
    streams = {c: MONEY for c in wide.columns} | {"total": MONEY}
    binding = s.binding.copy()
    if "rule_id" in binding:
        binding["description"] = [_rule_description(s, r) for r in binding["rule_id"]]
    verification = s.verification if s.verification is not None else pd.DataFrame()
    sheets = [
        ("Allocations", _frame(_labelled(alloc, names), streams), "C2"),
        ("Area totals", _frame(_labelled(s.area_year_totals().reset_index(), names)), "C2"),
        ("Outcomes", _frame(_labelled(s.outcomes, names)), "C2"),
        ("Shadow prices", _frame(_labelled(s.shadow_prices, names)), "A2"),
        ("Binding rules", _frame(_labelled(binding, names)), "C2"),
        ("Waterfall", _frame(_labelled(s.waterfall(), names)), "C2"),
        ("Verification", _frame(verification, {"max_violation_gbp": SMALL_MONEY}), "A2"),
        ("Scenario", _scenario_columns(s.scenario.resolved()), "A2"),
    ]
    return sheets


def _labelled(df: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """``df`` with area_name after area_code and financial_year after year (where it has them)."""
    out = df.reset_index(drop=True).copy()
    if "area_code" in out and "area_name" not in out:
        out.insert(out.columns.get_loc("area_code") + 1, "area_name", out["area_code"].map(names))
    if "year" in out and "financial_year" not in out:
        out.insert(out.columns.get_loc("year") + 1, "financial_year", out["year"].map(_fy_or_none))
    return out


def _fy_or_none(year: Any) -> str | None:
    return fy(int(year)) if isinstance(year, numbers.Real) and math.isfinite(year) else None


def _guess_format(name: str) -> str | None:
    if "per_head" in name:
        return PER_HEAD
    if name.endswith("_pct"):
        return PCT
    if name.endswith(("_gbp", "_gbp_m")):
        return MONEY
    if name == "population":
        return COUNT
    return None


def _frame(df: pd.DataFrame, formats: dict[str, str | None] | None = None) -> list[Column]:
    """A DataFrame as columns, formats given or guessed from the column names."""
    if df is None or len(df.columns) == 0:
        return [Column("note", ["this table is empty for this settlement"])]
    formats = formats or {}
    return [Column(str(c), df[c].tolist(), formats.get(str(c), _guess_format(str(c)))) for c in df.columns]


def _rule_description(s: Settlement, rule_id: str) -> str:
    spec = s.scenario.rules.get(rule_id)
    if spec is not None:
        return spec.description
    if str(rule_id).startswith("capacity:"):
        return "the stream is at the most the area can use (its absorptive capacity)"
    return ""


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts and lists as dotted keys; lists of plain values stay one row."""
    if isinstance(data, dict):
        if not data:
            return [(prefix, "{}")] if prefix else []
        return [kv for k, v in data.items() for kv in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(data, list):
        if all(not isinstance(v, dict | list) for v in data):
            return [(prefix, ", ".join(str(v) for v in data))]
        return [kv for i, v in enumerate(data) for kv in _flatten(v, f"{prefix}[{i}]")]
    return [(prefix, data)]


def _scenario_columns(resolved: dict[str, Any]) -> list[Column]:
    pairs = _flatten(resolved)
    return [Column("key", [k for k, _ in pairs]), Column("value", [v for _, v in pairs])]


def _summary_columns(s: Settlement, notes: list[str]) -> list[Column]:
    """The Summary as one section / item / value table with a number format per row."""
    rows: list[tuple[str, str, Any, str | None]] = []
    sm = s.summary or {}
    sc = s.scenario

    def add(section: str, item: str, value: Any, fmt: str | None = None) -> None:
        rows.append((section, item, value, fmt))

    add("scenario", "name", sc.name)
    add("scenario", "description", sc.description.strip())
    add("scenario", "years", ", ".join(fy(y) for y in sc.years))
    add("scenario", "amounts", f"{sc.amounts} terms")
    add("scenario", "objective", sc.objective.mode)
    add("scenario", "areas", len(s.areas), COUNT)
    add("scenario", "areas on an integrated settlement", int(s.areas["integrated"].sum()), COUNT)
    add("scenario", "population", float(s.areas["population"].sum()), COUNT)
    totals = s.allocations.groupby(["year", "budget"])["amount_gbp"].sum()
    for year in s.years:
        for budget in sc.budgets:
            add("totals", f"{fy(year)} {budget}", float(totals.get((year, budget), 0.0)), MONEY)
            if budget in sc.envelopes:
                add("totals", f"{fy(year)} {budget} envelope", s.envelope(budget, year), MONEY)
        add("totals", f"{fy(year)} total", float(totals.xs(year, level="year").sum()), MONEY)
    value = sm.get("value") or {}
    if value:
        add("mission value", "V (this settlement)", value.get("V"), MONEY)
        add("mission value", "V of the formula allocation", value.get("V_formula"), MONEY)
        add("mission value", "gain from optimising", value.get("gain"), MONEY)
        add("mission value", "gain from optimising, %", value.get("gain_pct"), PCT)
        for mission, v in (value.get("by_mission") or {}).items():
            add("mission value", f"{mission}: V", v.get("V"), MONEY)
            add("mission value", f"{mission}: V of the formula allocation", v.get("V_formula"), MONEY)
    ver = s.verification
    if ver is not None and len(ver):
        failed = ver.loc[~ver["passed"].astype(bool), "rule_id"].tolist()
        status = "every rule holds" if not failed else f"FAILED: {', '.join(failed)}"
        add("verification", "status", status)
        add("verification", "rules checked independently", len(ver), COUNT)
    else:
        add("verification", "status", "not verified")
    for key, v in (sm.get("solve") or {}).items():
        add("solve", key, v)
    prov = sm.get("provenance") or {}
    for key, v in (prov.get("sources") or {}).items():
        if isinstance(v, list):
            for item in v:
                add("provenance", key, str(item))
        elif not isinstance(v, dict):  # file_sha256: listed below with the data files' hashes
            add("provenance", key, v)
    for file, digest in (prov.get("file_sha256") or {}).items():
        add("provenance", f"sha256 {file}", digest)
    for package, version in (prov.get("versions") or {}).items():
        add("provenance", f"version {package}", version)
    for note in prov.get("geography_notes") or []:
        add("provenance", "geography note", note)
    for note in notes:
        add("note", "truncated", note)
    return [
        Column("section", [r[0] for r in rows]),
        Column("item", [r[1] for r in rows]),
        Column("value", [r[2] for r in rows], [r[3] for r in rows]),
    ]


# --- writing ---------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """A value openpyxl writes as Excel would show it: NaN and NA become empty cells."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


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
    longest = max((len(_display(v, col.format_of(i))) for i, v in enumerate(values)), default=0)
    return float(min(max(longest, len(col.header) + 3, 6) + 2, MAX_WIDTH))


def _cell_maker(ws: Any, col: Column) -> Callable[[int], Any]:
    """A function from row number to what the row list holds: a plain value, or a formatted cell."""

    def make(row: int) -> Any:
        value = _clean(col.values[row])
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):  # text, never a formula
                cell = WriteOnlyCell(ws, value)
                cell.data_type = "s"
                return cell
            return value
        fmt = col.format_of(row)
        if fmt is None or value is None or isinstance(value, bool):
            return value
        cell = WriteOnlyCell(ws, value)
        cell.number_format = fmt
        return cell

    return make


def _write_sheet(wb: Workbook, title: str, columns: list[Column], freeze: str) -> None:
    ws = wb.create_sheet(title)
    rows = min(max((len(c.values) for c in columns), default=0), MAX_ROWS)
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(col)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, spreadsheet_cell(col.header))  # a column name is never a formula
        cell.font = _BOLD
        header.append(cell)
    ws.append(header)
    makers = [_cell_maker(ws, col) for col in columns]
    for r in range(rows):
        ws.append([make(r) for make in makers])


class _FixedDateZip(zipfile.ZipFile):
    """A zip file whose entries all carry the same timestamp (openpyxl would stamp each with now)."""

    def _info(self, arcname: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(arcname, date_time=_ZIP_DATE)
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        info = self._info(str(arcname if arcname is not None else filename))
        info.file_size = Path(filename).stat().st_size  # lets zipfile choose zip64 for large sheets
        with Path(filename).open("rb") as src, self.open(info, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
