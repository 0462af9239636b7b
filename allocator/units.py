"""How quantities are written for people: one formatter per quantity, for the CLI, the reports, the
workbook's text and the diagnoses alike.

- money: ``money`` (£m with one decimal, £bn at £10bn and above, whole £ below £100k);
- £ per head: ``per_head`` (whole pounds, or pence with ``pence=True``);
- shares and changes: ``pct`` (a share 0.123 as "12.3%"; ``digits=None`` for a parameter's exact
  value, "98%" or "98.5%");
- share points: ``points``; multiples: ``times``;
- indicator values and their changes: ``number`` (precision by size, or given);
- people and counts: ``count``; financial years: ``fy``.

Each takes ``signed=True`` where a change is shown ("+£1.2m", "-3.0%"; a change that rounds to zero
has no sign). A missing or non-finite value shows as an en dash.
"""

from __future__ import annotations

import math

DASH = "–"
"""What a missing or non-finite figure shows as."""


def _value(x: object) -> float | None:
    """``x`` as a finite float, or None."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _signed(text: str, negative: bool, signed: bool, zero: bool) -> str:
    """``text`` (an unsigned figure) with its sign: "-" when negative, "+" too when ``signed``; none when
    the shown figure is zero."""
    if zero:
        return text
    if negative:
        return "-" + text
    return ("+" + text) if signed else text


def money(x: object, *, signed: bool = False) -> str:
    """£ in millions with one decimal at £100k and above (£bn with two decimals at £10bn and above), else
    whole pounds: "£1,234.5m", "£12.30bn", "£950"."""
    f = _value(x)
    if f is None:
        return DASH
    a = abs(f)
    if a >= 1e10:
        text = f"£{a / 1e9:,.2f}bn"
    elif a >= 1e5:
        text = f"£{a / 1e6:,.1f}m"
    else:
        text = f"£{a:,.0f}"
    return _signed(text, f < 0, signed, zero=round(a) == 0)


def per_head(x: object, *, pence: bool = False, signed: bool = False) -> str:
    """£ per head: whole pounds ("£1,234"), or with pence ("£1,234.56")."""
    f = _value(x)
    if f is None:
        return DASH
    digits = 2 if pence else 0
    text = f"£{abs(f):,.{digits}f}"
    return _signed(text, f < 0, signed, zero=round(abs(f), digits) == 0)


def _trimmed(x: float, most: int) -> str:
    """``x`` with at most ``most`` decimals and no trailing zeros: 98.0 -> "98", 12.50 -> "12.5"."""
    text = f"{x:.{most}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def pct(x: object, digits: int | None = 1, *, signed: bool = False) -> str:
    """A share as a percentage: ``pct(0.1234)`` "12.3%". ``digits=None`` writes a parameter exactly, with
    no trailing zeros (0.98 "98%", 0.125 "12.5%", up to three decimals)."""
    f = _value(x)
    if f is None:
        return DASH
    a = abs(f) * 100
    text = (_trimmed(a, 3) if digits is None else f"{a:.{digits}f}") + "%"
    return _signed(text, f < 0, signed, zero=float(text[:-1]) == 0)


def points(x: object) -> str:
    """A share as percentage points: 0.05 "5 points" (a departure from a share, not a share)."""
    f = _value(x)
    if f is None:
        return DASH
    text = _trimmed(f * 100, 3)
    return f"{text} point{'' if text == '1' else 's'}"


def times(x: object) -> str:
    """A multiple: 2.5 "2.5 times"."""
    f = _value(x)
    return DASH if f is None else f"{_trimmed(f, 3)} times"


def decimals_for(x: object) -> int:
    """Decimals that show an indicator value of this size sensibly: 0 from 1,000, 1 from 100, 2 from 1,
    3 below."""
    f = _value(x)
    a = abs(f) if f is not None else 0.0
    return 0 if a >= 1000 else 1 if a >= 100 else 2 if a >= 1 else 3


def number(x: object, decimals: int | None = None, *, signed: bool = False) -> str:
    """An indicator value or its change, with thousands separators: ``decimals`` given, or by size
    (``decimals_for``). A change too small to show at that precision reads "under 0.01"."""
    f = _value(x)
    if f is None:
        return DASH
    d = decimals_for(f) if decimals is None else decimals
    text = f"{abs(f):,.{d}f}"
    if float(text.replace(",", "")) == 0 and f != 0:
        tiny = f"under {1 / 10**d:.{d}f}" if d else "under 1"
        return (("+" if f > 0 else "-") + tiny) if signed else tiny
    return _signed(text, f < 0, signed, zero=float(text.replace(",", "")) == 0)


def count(x: object) -> str:
    """People or a count, whole, with thousands separators: "1,234,567"."""
    f = _value(x)
    return DASH if f is None else f"{f:,.0f}"


def fy(year: int) -> str:
    """Financial year label: 2026 -> 2026-27."""
    return f"{year}-{(year + 1) % 100:02d}"


def fy_range(years: list[int]) -> str:
    """ "2026-27" for one year, "2026-27 to 2028-29" for several."""
    return fy(years[0]) if len(years) == 1 else f"{fy(years[0])} to {fy(years[-1])}"


def fy_list(years: list[int]) -> str:
    """Years in words, runs of three or more joined: "2026-27 and 2028-29", "2026-27 to 2028-29"."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and runs[-1][-1] == y - 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    parts = []
    for run in runs:
        parts += [fy_range(run)] if len(run) > 2 else [fy(y) for y in run]
    return and_list(parts)


def and_list(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 area", "3 areas"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
