"""Collect geography problems: every one found, each with its file, its field or row, and what is expected.

Functions here never raise: they return lists of ``Problem`` (``source`` = the file, ``location`` = the
scenario field or ``row N (CODE)`` of a CSV, counting the header as row 1 as a spreadsheet does, or
``feature N (CODE)`` of a boundaries file, counting from 1). ``load_geography`` raises them together as
one ``GeographyError``. Long runs of one kind of problem are cut to ``LIMIT`` and a count of the rest.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocator.errors import Problem
from allocator.geography.expression import columns_in
from allocator.safe_text import excerpt, visible

LIMIT = 10
"""How many codes or rows of one kind a message lists before saying 'and N more'."""
NAME_CHARS = 40
"""The most characters of one name (a code, a column) read from a file that a message quotes."""

GSS = re.compile(r"^[EWSNK]\d{8}$")
"""An ONS GSS code: a country letter and eight digits (E06000001)."""


def listing(items: Iterable[object], limit: int = LIMIT) -> str:
    """``a, b, c`` or ``a, b, ... and N more`` (control characters shown as ``\\xNN``)."""
    items = list(items)
    text = ", ".join(visible(i) for i in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def capped(problems: list[Problem], what: str, limit: int = LIMIT) -> list[Problem]:
    """The first ``limit`` problems of one kind, then one problem counting the rest."""
    if len(problems) <= limit:
        return problems
    rest = problems[limit:]
    return [*problems[:limit], Problem(rest[0].source, "", f"and {len(rest)} more {what}")]


def hint(name: str, options: Iterable[str]) -> str:
    """``; did you mean 'x'?`` when a known name is close, else the first few known names."""
    options = [str(o) for o in options]
    close = difflib.get_close_matches(name, options, n=1)
    if close:
        return f"; did you mean '{excerpt(close[0], NAME_CHARS)}'?"
    return f"; available: {listing([excerpt(o, NAME_CHARS) for o in sorted(options)], 15)}" if options else ""


def blank(values: pd.Series) -> pd.Series:
    """True where a value is missing or only whitespace."""
    return values.isna() | (values.astype(object).astype(str).str.strip().isin(["", "nan", "None"]))


def as_codes(values: pd.Series) -> pd.Series:
    """Codes as stripped text (``805.0`` read from a numeric column becomes ``805``); blanks become NaN."""
    if pd.api.types.is_float_dtype(values):
        ints = values.dropna()
        if (ints == ints.round()).all():
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    codes = text.where(text.notna() & ~text.isin(["", "nan", "None"])).astype(object)
    return codes.where(codes.notna(), np.nan)  # NaN, not pd.NA: selectors compare codes with ==


def check_columns(columns: Sequence[str], wanted: dict[str, str], source: str) -> list[Problem]:
    """A problem for each wanted column (column -> the scenario field naming it) the file lacks."""
    have = [str(c) for c in columns if c != "geometry"]
    return [
        Problem(source, where, f"no column '{column}' in this file{hint(column, have)}")
        for column, where in wanted.items()
        if column not in have
    ]


def check_codes(codes: pd.Series, labels: pd.Series, source: str, unit: str = "row") -> list[Problem]:
    """Blank and duplicate codes. ``labels`` names each row (``row 3`` or ``feature 3``)."""
    out = [
        Problem(
            source, labels[i], f"the code is blank; expected a GSS code such as E06000001 in every {unit}"
        )
        for i in codes.index[blank(codes)]
    ]
    out = capped(out, f"{unit}s with a blank code")
    present = codes[~blank(codes)]
    first = present[~present.duplicated()]
    first_label = pd.Series(labels[first.index].to_numpy(), index=first.to_numpy())
    dupes = [
        Problem(
            source,
            f"{labels[i]} ({excerpt(present[i], NAME_CHARS)})",
            f"duplicate code {excerpt(present[i], NAME_CHARS)}, first in {first_label[present[i]]}; "
            f"expected one {unit} per area",
        )
        for i in present.index[present.duplicated()]
    ]
    return out + capped(dupes, f"{unit}s with a duplicate code")


def check_selector(
    frame: pd.DataFrame, selector: dict, field: str, source: str, what: str = "area attribute"
) -> list[Problem]:
    """A problem for each column a selector (or a ``where`` filter) tests that the frame lacks."""
    return [
        Problem(source, f"{field}.{column}", f"no {what} '{column}'{hint(column, frame.columns)}")
        for column in selector
        if column not in frame.columns
    ]


@dataclass
class Coverage:
    """What one joined table covers, for the check that recipient areas have a row in it."""

    source: str
    key: str
    """Area attribute the table is joined on (``area_code`` or a ``join_on`` attribute)."""
    codes: set[str]
    columns: list[str]
    filler: bool


def check_coverage(
    keys: pd.Series, table: Coverage, boundary_keys: set[str]
) -> tuple[list[Problem], set[str]]:
    """Recipient areas whose (non-blank) join key has no row in the table.

    A table may cover more than the recipients (a UK table with English areas selected): only recipients
    lacking a row matter. Tables that only fill gaps (``fill_missing_only``) are not checked here; their
    gaps surface as missing values.

    Args:
        keys: each recipient area's join key, indexed by area code (NaN where the key is blank).
        table: the table's coverage.
        boundary_keys: the join keys of every area in the boundaries (recipient or not).

    Returns:
        The problem (if any) and the recipient areas lacking a row.
    """
    if table.filler:
        return [], set()
    lacking = keys[keys.notna() & ~keys.isin(table.codes)]
    if lacking.empty:
        return [], set()
    if table.key == "area_code":
        what = f"{len(lacking)} recipient area(s) have no row in this table: {listing(sorted(lacking.index))}"
    else:
        missing = sorted(set(lacking))
        what = (
            f"no row for {table.key} {listing(missing)} ({len(lacking)} recipient area(s): "
            f"{listing(sorted(lacking.index))})"
        )
    message = f"{what}; expected a row for every recipient area"
    stray = sorted(table.codes - boundary_keys)
    if stray:
        message += (
            f". The table also has {len(stray)} code(s) matching no area ({listing(stray)}): "
            "are the codes from another year's boundaries?"
        )
    return [Problem(table.source, f"column {table.key}", message)], set(lacking.index)


@dataclass
class Values:
    """Joined area attributes with where each value came from, for checking the values the scenario uses."""

    areas: pd.DataFrame
    origin: dict[str, pd.Series] = field(default_factory=dict)
    """Column -> (file, location) of each area's value; None where no table had a row for the area."""
    supplier: dict[str, str] = field(default_factory=dict)
    """Column -> the first file (or scenario field) that supplied it."""
    fillers: dict[str, list[str]] = field(default_factory=dict)
    """Column -> files that only filled its gaps (``fill_missing_only``)."""
    non_numeric: dict[str, pd.Series] = field(default_factory=dict)
    """Column -> the original text of values that are not numbers, by area."""


def check_values(
    values: Values,
    recipients: pd.Index,
    used: dict[str, str],
    numeric: set[str],
    no_row: dict[str, set[str]],
    derived: dict[str, str],
    population_column: str,
    scenario_file: str,
) -> list[Problem]:
    """Missing columns, and blank, non-numeric or (population) non-positive values of recipient areas.

    Args:
        values: the joined attributes and their origins.
        recipients: the recipient area codes.
        used: value columns the scenario reads -> the field reading them.
        numeric: columns that must hold numbers.
        no_row: column -> recipient areas already reported as lacking a row in its table.
        derived: derived column -> expression.
        population_column: checked for positive values.
        scenario_file: the scenario, for problems in its own fields.
    """
    areas = values.areas.loc[recipients]
    out: list[Problem] = []
    for column, where in used.items():
        if column not in areas.columns:
            out.append(
                Problem(scenario_file, where, f"no area attribute '{column}'{hint(column, areas.columns)}")
            )
            continue
        origin = values.origin.get(column, pd.Series(None, index=values.areas.index, dtype=object)).loc[
            recipients
        ]
        bad = values.non_numeric.get(column, pd.Series(dtype=object))
        bad = bad[~bad.index.duplicated(keep="last")]
        bad = bad[bad.index.isin(recipients) & areas[column].reindex(bad.index).isna()]
        out += capped(
            [
                Problem(
                    *(origin[code] or (values.supplier[column], f"column {column}")),
                    f"{column} is {excerpt(repr(text), NAME_CHARS)}; expected a finite number (read by {where})",
                )
                for code, text in bad.items()
            ],
            f"non-numeric values of {column}",
        )
        gaps = areas.index[areas[column].isna() & ~areas.index.isin(bad.index)]
        gaps = gaps[~gaps.isin(list(no_row.get(column, set())))]
        kind = "a number" if column in numeric else "a value"
        out += _gap_problems(column, where, gaps, origin, values, derived, scenario_file, kind)
        if column == population_column and column in numeric:
            population = pd.to_numeric(areas[column], errors="coerce")
            low = population.index[population <= 0]
            message = "population is {:g}; expected a positive number of residents"
            out += capped(
                [Problem(*(origin[c] or (scenario_file, where)), message.format(population[c])) for c in low],
                "non-positive populations",
            )
    return out


def _gap_problems(
    column: str,
    where: str,
    gaps: pd.Index,
    origin: pd.Series,
    values: Values,
    derived: dict[str, str],
    scenario_file: str,
    kind: str,
) -> list[Problem]:
    if gaps.empty:
        return []
    if column in derived:
        inputs = [c for c in columns_in(derived[column]) if c in values.areas.columns]
        empty = [c for c in inputs if values.areas.loc[gaps, c].isna().any()]
        because = (
            f" because {', '.join(empty)} {'has' if len(empty) == 1 else 'have'} no value there"
            if empty
            else ""
        )
        return [
            Problem(
                scenario_file,
                f"geography.derived.{column}",
                f"no value for {len(gaps)} recipient area(s): {listing(gaps)}{because}; expected {kind} for "
                f"every recipient area (read by {where})",
            )
        ]
    fill = values.fillers.get(column)
    unfilled = f", and {listing(fill)} did not fill it" if fill else ""
    located = [
        Problem(*origin[c], f"{column} has no value{unfilled}; expected {kind} (read by {where})")
        for c in gaps
        if origin[c] is not None
    ]
    unlocated = [c for c in gaps if origin[c] is None]
    out = capped(located, f"blank values of {column}")
    if unlocated:
        source = values.supplier.get(column, scenario_file)
        out.append(
            Problem(
                source,
                f"column {column}",
                f"no value for {len(unlocated)} recipient area(s): {listing(unlocated)}{unfilled}; expected "
                f"{kind} for every recipient area (read by {where})",
            )
        )
    return out
