"""Year keys and area selectors shared by the scenario schema and the rule kinds.

Dated values are keyed by financial-year start (2026 = 2026-27). A bare year means that year only;
``"2027.."`` means 2027 and every later year. A bare year wins over a range that also covers it, and a
later range start wins over an earlier one. A plain number applies to every year.

An area selector maps an attribute (a column of the geography) to a condition::

    areas: {tier: {in: [Unitary authority, London borough]}, population: {between: [0, 250000]}}

A scalar is shorthand for ``equals`` and a list for ``in``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_RANGE = re.compile(r"^(\d{4})\.\.$")


def parse_year_key(key: int | str) -> tuple[int, bool]:
    """Return (year, open_ended) for a dated-value key; raise ValueError with the expected form."""
    if isinstance(key, bool):
        raise ValueError(f"{key!r} is not a year")
    if isinstance(key, int):
        return key, False
    text = str(key).strip()
    if text.isdigit() and len(text) == 4:
        return int(text), False
    match = _RANGE.match(text)
    if match:
        return int(match.group(1)), True
    raise ValueError(f"{key!r} is not a year key; expected a year like 2027 or an open range like '2027..'")


def _year_key(key: Any) -> int | str:
    parse_year_key(key)
    return key


YearKey = Annotated[int | str, BeforeValidator(_year_key)]
"""A dated value's key: a year (``2027``) or an open range (``"2027.."``), checked when validated."""


def dated(
    ge: float | None = None, gt: float | None = None, le: float | None = None, lt: float | None = None
) -> Any:
    """The type of a dated value whose numbers lie in a range (every number is finite as well: the
    scenario models forbid NaN and infinity). Document the range in the field's docstring."""
    number = Annotated[float, Field(ge=ge, gt=gt, le=le, lt=lt)]
    return number | dict[YearKey, number]


Dated = dated()
"""A number for every year, or a mapping of year keys (``2027``, ``"2027.."``) to numbers."""

MAX_GBP = 1e13
"""The largest amount of money a scenario may state (£10 trillion, several times UK GDP): beyond it a
figure is a typo, and the solver would lose precision on every other figure."""
MAX_PER_HEAD_GBP = 1e6
"""The largest amount per resident a scenario may state, £."""


def year_key_problems(value: object, years: list[int]) -> list[str]:
    """Messages for keys of a dated value that are malformed or fall outside the scenario's years."""
    if not isinstance(value, dict):
        return []
    out = []
    for key in value:
        try:
            year, open_ended = parse_year_key(key)
        except ValueError as exc:
            out.append(str(exc))
            continue
        if not open_ended and year not in years:
            out.append(f"year {year} is outside the scenario's years [{years[0]}..{years[-1]}]")
        elif open_ended and year > years[-1]:
            out.append(f"range {key!r} starts after the last year {years[-1]}")
    return out


def expand(value: Dated | None, years: list[int]) -> dict[int, float]:
    """The value for each of ``years`` (years the value does not cover are absent)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return {y: float(value) for y in years}
    out: dict[int, float] = {}
    ranges = sorted((parse_year_key(k)[0], v) for k, v in value.items() if parse_year_key(k)[1])
    for start, v in ranges:
        for y in years:
            if y >= start:
                out[y] = float(v)
    for k, v in value.items():
        year, open_ended = parse_year_key(k)
        if not open_ended and year in years:
            out[year] = float(v)
    return out


def years_covered(spec: list[int] | int | str | None, years: list[int]) -> list[int]:
    """The scenario years a rule's ``years`` field covers: ``None`` all; ``2027`` or ``"2027"`` that year;
    ``"2027.."`` that year and later; a list those years."""
    if spec is None:
        return list(years)
    if isinstance(spec, (int, str)):
        start, open_ended = parse_year_key(spec)
        return [y for y in years if y >= start] if open_ended else [y for y in years if y == start]
    return [y for y in years if y in set(spec)]


class Condition(BaseModel):
    """One test on an area attribute: exactly one of ``equals``, ``in``, ``not_in``, ``between``, ``present``."""

    equals: Any = None
    """The attribute equals this value."""
    in_: list[Any] | None = None
    """The attribute is one of these values (YAML key ``in``)."""
    not_in: list[Any] | None = None
    """The attribute is none of these values."""
    between: tuple[float, float] | None = None
    """Inclusive numeric range ``[lo, hi]``."""
    present: bool | None = None
    """``true``: the attribute has a value (not blank); ``false``: it is blank."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"in_": data}
        if not isinstance(data, dict):
            return {"equals": data}
        if "in" in data:
            data = {**data}
            data["in_"] = data.pop("in")
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        given = [k for k in ("equals", "in_", "not_in", "between", "present") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a condition needs exactly one of equals, in, not_in, between, present")
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError(f"between [{self.between[0]}, {self.between[1]}] has lo > hi")
        return self

    def mask(self, column: pd.Series) -> np.ndarray:
        if self.equals is not None:
            return (column == self.equals).to_numpy(dtype=bool)
        if self.in_ is not None:
            return column.isin(self.in_).to_numpy(dtype=bool)
        if self.not_in is not None:
            return (~column.isin(self.not_in)).to_numpy(dtype=bool)
        if self.present is not None:
            filled = column.notna() & (column.astype(str).str.strip() != "")
            return (filled if self.present else ~filled).to_numpy(dtype=bool)
        lo, hi = self.between
        values = pd.to_numeric(column, errors="coerce")
        return ((values >= lo) & (values <= hi)).fillna(False).to_numpy(dtype=bool)


Selector = dict[str, Condition]
"""Attribute name -> condition; every condition must hold (an empty selector selects every area)."""


def select(frame: pd.DataFrame, selector: Selector | None) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` that meet every condition of ``selector``.

    Raises KeyError naming the first attribute the frame lacks (callers turn it into an input error).
    """
    mask = np.ones(len(frame), dtype=bool)
    for column, condition in (selector or {}).items():
        if column in frame.columns:
            values = frame[column]
        elif column == frame.index.name:  # e.g. area_code, the index of the areas table
            values = frame.index.to_series(index=frame.index)
        else:
            raise KeyError(column)
        mask &= condition.mask(values)
    return mask


def describe(selector: Selector | None) -> str:
    """A selector in words: "tier is Unitary and population is between 0 and 250,000"."""
    parts = []
    for column, c in (selector or {}).items():
        if c.equals is not None:
            parts.append(f"{column} is {c.equals}")
        elif c.in_ is not None:
            parts.append(f"{column} is one of {', '.join(str(v) for v in c.in_)}")
        elif c.not_in is not None:
            parts.append(f"{column} is none of {', '.join(str(v) for v in c.not_in)}")
        elif c.between is not None:
            parts.append(f"{column} is between {c.between[0]:,g} and {c.between[1]:,g}")
        else:
            parts.append(f"{column} is {'given' if c.present else 'blank'}")
    return " and ".join(parts)
