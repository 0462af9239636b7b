"""A local leader's area page in the terminal (``allocator inspect OUT AREA``).

``find_area`` turns what a person types (a code in any case, a name, part of either, a near miss) into
an area code, or an InputError that lists the matches or suggests the nearest names. ``render_area``
prints the page: what the run was asked, the area's published figures, its settlement by year and
stream, in cash and real terms, per head against the national, regional, neighbours' and similar
councils' averages, the waterfall from baseline to settlement, the rules holding the figure where it is
(the same sentences as the explorer and the workbook), and the outcomes it is expected to buy. It reads
everything from the one area view (``allocator.reports.area_view``) the explorer uses.

Built for an 80-column terminal: figures never wrap (their columns do not shrink below the figure), text
wraps at spaces, and names from users' files are made safe for the terminal (``allocator.safe_text``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

import pandas as pd
from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from allocator.errors import InputError, Problem
from allocator.reports import words
from allocator.reports.area_view import AreaView, Peer, area_view
from allocator.reports.context import ReportContext
from allocator.safe_text import terminal
from allocator.settlement import Settlement
from allocator.units import count, fy, money, number, pct, per_head

MAX_LISTED = 10
"""Most matches listed when a partial name matches several areas."""


# --- finding an area -------------------------------------------------------------------------------


def _label(names: pd.Series, code: str) -> str:
    return f"{names[code]} ({code})"


def _not_found(message: str) -> InputError:
    return InputError([Problem("AREA", "", message)], "cannot find the area")


def find_area(settlement: Settlement, query: str) -> str:
    """The area code a person means by ``query``.

    Tried in order: an exact code (any case), an exact name (any case), then a unique part of a name or
    code.

    Args:
        settlement: the settlement whose areas are searched.
        query: what was typed, e.g. ``e08000003``, ``manchester`` or ``manch``.

    Returns:
        The area code.

    Raises:
        InputError: several areas match (they are listed), or none does (near names are suggested).
    """
    names = settlement.areas["area_name"].astype(str)
    codes = [str(c) for c in settlement.areas.index]
    q = str(query).strip().casefold()
    if not q:
        raise _not_found("is empty; give an area code or name")
    for code in codes:
        if code.casefold() == q:
            return code
    candidates = [c for c in codes if names[c].casefold() == q]
    if not candidates:
        candidates = [c for c in codes if q in names[c].casefold() or q in c.casefold()]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        listed = ", ".join(_label(names, c) for c in candidates[:MAX_LISTED])
        more = f" and {len(candidates) - MAX_LISTED} more" if len(candidates) > MAX_LISTED else ""
        raise _not_found(
            f"'{query}' matches {len(candidates)} areas: {listed}{more}; give more of the name, or the code"
        )
    by_key = {names[c].casefold(): c for c in codes} | {c.casefold(): c for c in codes}
    near = difflib.get_close_matches(q, list(by_key), n=3, cutoff=0.6)
    suggested = list(dict.fromkeys(by_key[k] for k in near))
    if suggested:
        labels = [_label(names, c) for c in suggested]
        options = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
        raise _not_found(f"no area matches '{query}'; did you mean {options}?")
    example = codes[0] if codes else "E06000001"
    raise _not_found(f"no area matches '{query}'; give an area code (e.g. {example}) or part of a name")


# --- the page --------------------------------------------------------------------------------------


def render_area(console: Console, settlement: Settlement, code: str) -> None:
    """Print an area's page (see the module docstring).

    Args:
        console: where to print.
        settlement: the settlement.
        code: the area code (``find_area`` turns a typed name into one).

    Raises:
        InputError: ``code`` is not an area of the settlement.
    """
    if code not in settlement.areas.index:
        raise _not_found(f"'{code}' is not an area of this settlement; try a name or part of one")
    ctx = ReportContext(settlement)
    v = area_view(ctx, code)
    _header(console, ctx, v)
    _published(console, v)
    _streams(console, ctx, v)
    _terms(console, ctx, v)
    _per_head(console, v)
    _peers(console, "Similar councils (nearest by need, size and tier)", v.similar)
    _peers(console, "Neighbours (sharing a boundary)", v.neighbours)
    _waterfall(console, v)
    _rules(console, v)
    _outcomes(console, v)


class _Table:
    """A table whose first column is text that wraps at spaces and whose other columns are figures that
    never wrap: each figure column is at least as wide as its widest figure (headers wrap instead)."""

    def __init__(self, title: str, first: str, heads: Sequence[str]):
        self.title, self.first, self.heads = title, first, list(heads)
        self.rows: list[list[str] | None] = []

    def row(self, label: str, values: Sequence[float], fmt: Callable[[float], str]) -> None:
        self.rows.append([label, *(fmt(x) for x in values)])

    def cells(self, *cells: str) -> None:
        self.rows.append(list(cells))

    def section(self) -> None:
        self.rows.append(None)

    def print(self, console: Console) -> None:
        t = Table(title=terminal(self.title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        words = [w for r in self.rows if r is not None for w in r[0].split()] + self.first.split()
        t.add_column(
            terminal(self.first), overflow="fold", ratio=1, min_width=min(14, max(map(len, words), default=4))
        )
        for k, h in enumerate(self.heads, start=1):
            widest = max((len(r[k]) for r in self.rows if r is not None), default=1)
            t.add_column(terminal(h), justify="right", min_width=widest, overflow="fold")
        for r in self.rows:
            if r is None:
                t.add_section()
            else:
                t.add_row(terminal(r[0]), *(terminal(c) for c in r[1:]))
        console.print(t)


def _say(console: Console, text: str, indent: int = 2, bullet: str = "") -> None:
    """Plain text (from users' files too) wrapped at spaces to the console's width, indented; with a
    ``bullet``, wrapped lines hang under the text."""
    body = Text.from_markup(terminal(text))
    if bullet:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=len(bullet))
        grid.add_column()
        grid.add_row(bullet, body)
        console.print(Padding(grid, (0, 0, 0, indent)), soft_wrap=False)
    else:
        console.print(Padding(body, (0, 0, 0, indent)), soft_wrap=False)


def _header(console: Console, ctx: ReportContext, v: AreaView) -> None:
    console.print(f"[bold]{terminal(v.name)}[/] ({terminal(v.code)})", soft_wrap=False)
    for line in ctx.asked.lines(limit=4):
        _say(console, line)
    facts = [x for x in (f"region {v.region}" if v.region else "", v.tier or "") if x]
    facts.append(f"population {count(v.population)}")
    _say(console, ", ".join(facts))
    if v.integrated:
        _say(console, "integrated settlement (single pot): it may move funding between streams")
    else:
        _say(console, "ring-fenced streams: each stream's funding is for that stream")


def _published(console: Console, v: AreaView) -> None:
    if not v.facts:
        return
    console.print("[bold]Published figures[/]")
    for fact, text in v.facts:
        source = f" ({fact.source})" if fact.source else ""
        _say(console, f"{fact.label}: {text}{source}")


def _streams(console: Console, ctx: ReportContext, v: AreaView) -> None:
    terms = "real terms" if v.terms == "real" else "cash"
    t = _Table(f"Settlement by year and stream ({terms})", "stream", [fy(y) for y in v.years])
    for budget in ctx.scenario.budgets:
        for st in v.streams:
            if st.budget == budget:
                t.row(f"{st.label} ({budget})", st.amounts, money)
    t.section()
    t.row("total", v.total, money)
    t.print(console)
    _say(
        console,
        f"over {len(v.years)} years: {money(sum(v.total))} (baseline {ctx.baseline_year}: {money(v.baseline)})",
    )


def _terms(console: Console, ctx: ReportContext, v: AreaView) -> None:
    t = _Table("Cash and real terms", "", [fy(y) for y in v.years])
    signed = lambda x: pct(x, signed=True)  # noqa: E731
    base = ctx.baseline_year
    t.row("cash", v.cash, money)
    t.row("change on the year before", v.change_cash, signed)
    t.row(f"change since {base}", v.since_base_cash, signed)
    t.section()
    t.row(f"real terms ({base} prices)", v.real, money)
    t.row("change on the year before", v.change_real, signed)
    t.row(f"change since {base}", v.since_base_real, signed)
    t.print(console)


def _per_head(console: Console, v: AreaView) -> None:
    t = _Table("£ per head, against others", "", [fy(y) for y in v.years])
    for c in v.comparators:
        t.row(c.label, c.per_head, lambda x: per_head(x, pence=True))
    t.print(console)


def _peers(console: Console, title: str, peers: list[Peer]) -> None:
    if not peers:
        return
    t = _Table(title, "area", ["£ per head a year", "change on baseline"])
    for p in peers:
        t.cells(f"{p.name} ({p.code})", per_head(p.per_head), pct(p.change_vs_baseline_pct, signed=True))
    t.print(console)


def _waterfall(console: Console, v: AreaView) -> None:
    steps = [label for label, _, _ in v.waterfall]
    t = _Table("From baseline to settlement", "year", steps)
    for i, y in enumerate(v.years):
        t.row(fy(y), [amounts[i] for _, _, amounts in v.waterfall], money)
    t.print(console)
    if any(x for x in v.own_resources):
        _say(
            console,
            "the formula target is its fair share less its own resources (netted off, so it can be negative)",
        )


def _rules(console: Console, v: AreaView) -> None:
    console.print("[bold]Rules holding its figure where it is[/]")
    if not v.holdings:
        _say(console, "none at its limit: the optimisation set its figure within the envelopes", bullet="-")
    for h in v.holdings:
        _say(console, h.text, bullet="-")
        for extra in (h.description, h.price):
            if extra:
                _say(console, extra, indent=4)


def _outcomes(console: Console, v: AreaView) -> None:
    if not v.outcomes:
        return
    last = fy(v.years[-1])
    t = _Table(
        f"Outcomes it is expected to buy (projected change by {last})",
        "mission (indicator)",
        ["now", "change", "gap closed", "target"],
    )
    for o in v.outcomes:
        better = "lower is better" if o.lower_is_better else "higher is better"
        t.cells(
            f"{o.label} ({o.unit}; {better})",
            number(o.now),
            number(o.change[-1], o.decimals, signed=True),
            pct(o.gap_share) if o.gap_share is not None else "at target",
            number(o.target),
        )
    t.print(console)
    _say(console, f"assumed: {words.ASSUMED}", indent=2)
