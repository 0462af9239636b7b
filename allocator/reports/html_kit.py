"""A tiny HTML kit for the report: markup that escapes by default, tables, the page shell and formats.

Every string that is not ``Markup`` is escaped when it goes into an element or attribute, the way a
template engine with autoescape works: an area named ``<b>&Co`` shows as text. Only the kit itself and
SVG made by the project (maps, charts) are trusted as markup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from importlib import metadata
from typing import Any

from allocator.units import money as _money


class Markup(str):
    """Trusted HTML: inserted as it is."""

    __slots__ = ()


def esc(x: Any) -> Markup:
    """``x`` as HTML: Markup as it is, anything else as escaped text."""
    if isinstance(x, Markup):
        return x
    if x is None:
        return Markup("")
    return Markup(escape(str(x), quote=True))


def join(*parts: Any, sep: str = "") -> Markup:
    """Concatenate parts (escaping text, flattening lists and generators, skipping None and False)."""
    out: list[str] = []
    _flatten(parts, out)
    return Markup(sep.join(out))


def _flatten(p: Any, out: list[str]) -> None:
    if p is None or p is False:
        return
    if type(p) is Markup:
        out.append(p)
    elif isinstance(p, str):
        out.append(p if isinstance(p, Markup) else escape(p, quote=True))
    elif isinstance(p, list | tuple) or hasattr(p, "__next__"):
        for q in p:
            _flatten(q, out)
    else:
        out.append(escape(str(p), quote=True))


def attrs(**kw: Any) -> str:
    """Attributes from keywords: ``class_`` -> class, ``aria_label`` -> aria-label; True -> bare name,
    None/False -> left out; values escaped."""
    out = []
    for key, value in kw.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    return "".join(out)


def el(tag: str, *children: Any, **kw: Any) -> Markup:
    """An element with escaped text children and attributes (see ``attrs``)."""
    return Markup(f"<{tag}{attrs(**kw)}>{join(*children)}</{tag}>")


def void(tag: str, **kw: Any) -> Markup:
    return Markup(f"<{tag}{attrs(**kw)}>")


# --- formats -------------------------------------------------------------------------------------------


def ok(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def money(x: float) -> str:
    """£m with one decimal at £100k and above (as the CLI and Excel report), else whole pounds."""
    return _money(float(x)) if ok(x) else "–"


def signed_money(x: float) -> str:
    if not ok(x):
        return "–"
    return ("+" if x > 0 else "") + _money(float(x)) if abs(x) >= 0.5 else "£0"


def per_head(x: float) -> str:
    return f"£{x:,.0f}" if ok(x) else "–"


def signed_per_head(x: float) -> str:
    if not ok(x):
        return "–"
    return f"{'+' if x >= 0.5 else ('-' if x <= -0.5 else '')}£{abs(x):,.0f}"


def signed_pct(x: float, digits: int = 1) -> str:
    if not ok(x):
        return "–"
    text = f"{abs(x) * 100:.{digits}f}%"
    if float(text[:-1]) == 0:
        return text
    return ("+" if x > 0 else "-") + text


def number(x: float) -> str:
    """An indicator value: up to three decimals for small numbers, fewer for large."""
    if not ok(x):
        return "–"
    a = abs(x)
    digits = 0 if a >= 1000 else 1 if a >= 100 else 2 if a >= 1 else 3
    return f"{x:,.{digits}f}"


def signed_number(x: float) -> str:
    """A projected change: three significant figures, signed."""
    if not ok(x):
        return "–"
    if x == 0:
        return "0"
    return f"{x:+.3g}" if abs(x) >= 1e-4 else f"{x:+.1e}"


def people(x: float) -> str:
    return f"{x:,.0f}" if ok(x) else "–"


def and_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def humanise(identifier: str) -> str:
    """``funding_guarantee`` -> ``Funding guarantee``."""
    text = identifier.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


# --- tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell: its content, a value to sort on, and whether it is a number (right-aligned)."""

    content: Any
    sort: float | str | None = None
    num: bool = False


def num(content: Any, value: float | None) -> Cell:
    return Cell(content, value if ok(value) else None, True)


def _td(cell: Any, header: bool) -> Markup:
    c = cell if isinstance(cell, Cell) else Cell(cell)
    kw: dict[str, Any] = {"class_": "num" if c.num else None}
    if c.sort is not None:
        kw["data_sort"] = f"{c.sort:.10g}" if isinstance(c.sort, float | int) else c.sort
    if header:
        return el("th", c.content, scope="row", **kw)
    return el("td", c.content, **kw)


def table(
    caption: Any,
    head: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    foot: Sequence[Sequence[Any]] = (),
    sortable: bool = False,
    id: str | None = None,
    class_: str | None = None,
    row_headers: bool = True,
) -> Markup:
    """A data table in a horizontally scrolling wrapper: caption, ``<th scope="col">`` headings, the
    first cell of each row a ``<th scope="row">`` (with ``row_headers``). Heads and cells may be ``Cell``
    (numbers right-aligned). ``sortable`` turns each heading into a sort button (report.js)."""
    ths = []
    for h in head:
        c = h if isinstance(h, Cell) else Cell(h)
        inner = el("button", c.content, type="button", class_="sort") if sortable else c.content
        short = isinstance(c.content, str) and len(c.content) <= 10  # a year: keep "2026-27" on one line
        cls = " ".join(x for x in ("num" if c.num else "", "nowrap" if short else "") if x) or None
        ths.append(el("th", inner, scope="col", class_=cls))
    body = [el("tr", [_td(c, row_headers and i == 0) for i, c in enumerate(r)]) for r in rows]
    tfoot = [el("tr", [_td(c, row_headers and i == 0) for i, c in enumerate(r)]) for r in foot]
    classes = " ".join(x for x in ("data", "sortable" if sortable else "", class_ or "") if x)
    t = el(
        "table",
        el("caption", caption),
        el("thead", el("tr", ths)),
        el("tbody", body),
        el("tfoot", tfoot) if tfoot else None,
        id=id,
        class_=classes,
    )
    return el("div", t, class_="scroll", tabindex="0", role="region", aria_label=_plain(caption))


def filter_box(label: str, box_id: str, count: int, table_id: str) -> Markup:
    """A search box that filters the rows of table ``table_id`` (report.js; hidden without script)."""
    return el(
        "div",
        el("label", label, for_=box_id),
        void("input", type="search", id=box_id, autocomplete="off", aria_describedby=f"{box_id}-status"),
        el("p", f"{count} areas", id=f"{box_id}-status", aria_live="polite"),
        class_="filter",
        data_filter=table_id,
        data_noun="areas",
        hidden=True,
    )


def _plain(x: Any) -> str:
    """Text of a caption for a label (tags dropped)."""
    import re

    return re.sub(r"<[^>]+>", "", str(x)) if isinstance(x, Markup) else str(x)


# --- the page shell ------------------------------------------------------------------------------------


def version() -> str:
    try:
        return metadata.version("allocator")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def page(
    title: str, body: Markup, *, depth: int = 0, nav: Sequence[tuple[str, str]] = (), scenario: str = ""
) -> str:
    """A complete page: ``lang="en"``, viewport for narrow screens, a skip link, the shared stylesheet
    and script from ``static/`` (``depth`` folders up), a header with ``nav`` links and a footer."""
    up = "../" * depth
    links = [el("li", el("a", text, href=up + href)) for href, text in nav]
    header = el(
        "header",
        el(
            "div",
            el("a", "Settlement explorer", href=f"{up}index.html", class_="brand"),
            el("span", scenario, class_="scenario") if scenario else None,
            el("nav", el("ul", links), aria_label="Report") if links else None,
            class_="bar",
        ),
        class_="site",
    )
    footer = el(
        "footer",
        el(
            "p",
            f"Made by allocator {version()}. Every figure is in £ as the scenario states; "
            "£m is millions of pounds, years are financial years (2026-27 runs April 2026 to March 2027).",
        ),
    )
    doc = join(
        Markup("<!doctype html>\n"),
        Markup('<html lang="en">\n<head>\n<meta charset="utf-8">\n'),
        Markup('<meta name="viewport" content="width=device-width, initial-scale=1">\n'),
        el("title", title),
        Markup("\n"),
        void("link", rel="stylesheet", href=f"{up}static/report.css"),
        Markup("\n</head>\n<body>\n"),
        el("a", "Skip to the content", href="#main", class_="skip"),
        header,
        Markup("\n"),
        el("main", body, id="main"),
        Markup("\n"),
        footer,
        Markup("\n"),
        el("script", src=f"{up}static/report.js", defer=True),
        Markup("\n</body>\n</html>\n"),
    )
    return str(doc)


def figure(
    svg: Any, caption: Any, legend: Sequence[tuple[str, str]] = (), note: Any = None, legend_title: str = ""
) -> Markup:
    """A figure: caption first (what it shows), the SVG, then its legend as a text list and a note."""
    items = [
        el("li", el("span", class_="swatch", style=f"background:{colour}", aria_hidden="true"), text)
        for colour, text in legend
    ]
    side = join(
        el("p", legend_title, class_="legend-title") if items and legend_title else None,
        el("ul", items, class_="legend") if items else None,
        el("p", note, class_="note") if note else None,
    )
    return el(
        "figure", el("figcaption", caption), Markup(svg), el("div", side, class_="side") if side else None
    )


def facts(items: Sequence[tuple[Any, Any, Any]]) -> Markup:
    """Key figures as a grid: (label, value, small print) each."""
    return el(
        "ul",
        [
            el(
                "li",
                el("span", k, class_="k"),
                el("span", v, class_="v"),
                el("span", s, class_="s") if s else None,
            )
            for k, v, s in items
        ],
        class_="facts",
    )
