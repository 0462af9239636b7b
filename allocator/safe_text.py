"""Text from users' files made safe for where it is shown: a terminal or a spreadsheet.

Names of areas, rules and fields come from files a user (or anyone who sent them a file) wrote. Shown
raw, they can inject terminal escape sequences (moving the cursor, rewriting earlier output), rich
markup (``[/x]`` raises inside rich) or spreadsheet formulas (a cell ``=HYPERLINK(...)`` in a CSV runs
when opened in Excel). The functions here are the one place that neutralises each; ``excerpt`` also
keeps what an error quotes from a file short.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.markup import escape

if TYPE_CHECKING:
    import pandas as pd  # loaded when a frame is made safe: the CLI's help and errors do not need it

# C0 controls except tab and newline, DEL, and C1 controls (ESC sequences start with \x1b or \x9b).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCERPT_CHARS = 60
"""The most characters of a file an error message quotes."""


def visible(text: object) -> str:
    """``text`` with control characters (tab and newline excepted) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def terminal(text: object) -> str:
    """``text`` for a rich console with markup on: control characters shown as ``\\xNN``, markup escaped."""
    return escape(visible(text))


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable quotation of text read from a file (a parser's complaint, a column name): at
    most ``limit`` characters, control characters shown as ``\\xNN``. Messages quote files only this way,
    so an error never prints more than a fragment of a file, whatever the file is."""
    s = visible(str(text).replace("\n", " "))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def spreadsheet_cell(value: object) -> object:
    """A cell value that a spreadsheet shows as text, never evaluates: text starting with ``= + - @``
    (or a tab or carriage return) gets a leading apostrophe, as OWASP advises for CSV and xlsx exports.
    Numbers and other non-text values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and text column name) made safe by :func:`spreadsheet_cell`."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(spreadsheet_cell)
    out.columns = [spreadsheet_cell(c) for c in out.columns]
    return out
