"""Text from users' files is neutralised before a terminal or a spreadsheet sees it."""

import pandas as pd
from rich.console import Console

from allocator.safe_text import spreadsheet_cell, spreadsheet_frame, terminal


def test_terminal_escapes_markup_and_control_characters():
    console = Console(record=True, width=200, color_system=None)
    name = "[/x] Evil\x1b[2J\x9b31m"
    console.print("area " + terminal(name), markup=True)
    out = console.export_text()
    assert "[/x] Evil" in out
    assert "\x1b" not in out
    assert "\x9b" not in out
    assert "\\x1b[2J" in out


def test_spreadsheet_cell_prefixes_formula_starts_only():
    assert spreadsheet_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_cell("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_cell("-2+3") == "'-2+3"
    assert spreadsheet_cell("Manchester") == "Manchester"
    assert spreadsheet_cell(-2.5) == -2.5


def test_spreadsheet_frame_leaves_numbers_alone():
    frame = pd.DataFrame({"area_name": ["+cmd", "Leeds"], "amount_gbp": [-1.0, 2.0]})
    safe = spreadsheet_frame(frame)
    assert safe["area_name"].tolist() == ["'+cmd", "Leeds"]
    assert safe["amount_gbp"].tolist() == [-1.0, 2.0]
