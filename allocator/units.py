"""How money, shares and years are written for people (CLI, reports, diagnoses)."""

from __future__ import annotations


def money(x: float) -> str:
    """£ in millions with one decimal at £100k and above (£bn at £10bn and above), else whole pounds."""
    sign = "-" if x < 0 and round(abs(x)) > 0 else ""
    x = abs(x)
    if x >= 1e10:
        return f"{sign}£{x / 1e9:,.2f}bn"
    if x >= 1e5:
        return f"{sign}£{x / 1e6:,.1f}m"
    return f"{sign}£{x:,.0f}"


def fy(year: int) -> str:
    """Financial year label: 2026 -> 2026-27."""
    return f"{year}-{(year + 1) % 100:02d}"


def pct(x: float, digits: int = 1) -> str:
    return f"{x * 100:.{digits}f}%"


def per_head(x: float) -> str:
    """£ per head with pence, the sign before the pound sign."""
    return f"{'-' if x < 0 else ''}£{abs(x):,.2f}"
