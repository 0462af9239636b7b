"""A tiny HTML kit for the report: markup that escapes by default, tables, the page shell.

Every string that is not ``Markup`` is escaped when it goes into an element or attribute, the way a
template engine with autoescape works: an area named ``<b>&Co`` shows as text. Only the kit itself and
SVG made by the project (maps, charts) are trusted as markup. Figures are formatted by
``allocator.units`` before they get here.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from importlib import metadata

from allocator.reports.asked import Asked

BANNER_CHANGES = 4
"""Changes of an ``extends`` step shown at the top of a page before "and N more" (which opens)."""


class Markup(str):
    """Trusted HTML: inserted as it is."""

    __slots__ = ()


Content = Markup | str | float | None | Iterable["Content"]
"""What an element may hold: Markup as it is, text and numbers escaped, lists and generators flattened,
None (and False) left out."""


def esc(x: object) -> Markup:
    """``x`` as HTML: Markup as it is, anything else as escaped text."""
    if isinstance(x, Markup):
        return x
    if x is None:
        return Markup("")
    return Markup(escape(str(x), quote=True))


def join(*parts: Content, sep: str = "") -> Markup:
    """Concatenate parts (escaping text, flattening lists and generators, skipping None and False)."""
    out: list[str] = []
    _flatten(parts, out)
    return Markup(sep.join(out))


def _flatten(p: Content, out: list[str]) -> None:
    if type(p) is Markup:
        out.append(p)
    elif isinstance(p, str):
        out.append(p if isinstance(p, Markup) else escape(p, quote=True))
    elif p is None or p is False:
        return
    elif isinstance(p, list | tuple) or hasattr(p, "__next__"):
        for q in p:
            _flatten(q, out)
    else:
        out.append(escape(str(p), quote=True))


def attrs(**kw: object) -> str:
    """Attributes from keywords: ``class_`` -> class, ``aria_label`` -> aria-label; True -> bare name,
    None/False -> left out; values escaped."""
    out = []
    for key, value in kw.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    return "".join(out)


def el(tag: str, *children: Content, **kw: object) -> Markup:
    """An element with escaped text children and attributes (see ``attrs``)."""
    return Markup(f"<{tag}{attrs(**kw) if kw else ''}>{join(*children)}</{tag}>")


def void(tag: str, **kw: object) -> Markup:
    return Markup(f"<{tag}{attrs(**kw)}>")


def ok(x: object) -> bool:
    """Whether ``x`` is a finite number (a value a table can sort on)."""
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


# --- tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell: its content, a value to sort on, and whether it is a number (right-aligned)."""

    content: Content
    sort: float | str | None = None
    num: bool = False


def num(content: Content, value: float | None) -> Cell:
    return Cell(content, value if ok(value) else None, True)


def _cell(cell: Cell | Content, header: bool) -> str:
    c = cell if type(cell) is Cell else Cell(cell)
    extra = ' class="num"' if c.num else ""
    if c.sort is not None:
        key = f"{c.sort:.10g}" if isinstance(c.sort, float | int) else escape(str(c.sort), quote=True)
        extra += f' data-sort="{key}"'
    content = c.content
    if type(content) is str:
        inner = escape(content, quote=True)
    elif isinstance(content, Markup):
        inner = content
    else:
        inner = join(content)
    return f'<th scope="row"{extra}>{inner}</th>' if header else f"<td{extra}>{inner}</td>"


def _rows(rows: Iterable[Sequence[Cell | Content]], row_headers: bool) -> str:
    return "".join(
        "<tr>" + "".join(_cell(c, row_headers and i == 0) for i, c in enumerate(r)) + "</tr>" for r in rows
    )


def table(
    caption: Content,
    head: Sequence[Cell | Content],
    rows: Iterable[Sequence[Cell | Content]],
    *,
    foot: Sequence[Sequence[Cell | Content]] = (),
    sortable: bool = False,
    id: str | None = None,
    class_: str | None = None,
    row_headers: bool = True,
    print_hide: bool = False,
) -> Markup:
    """A data table in a horizontally scrolling wrapper (report.js marks the wrapper when it scrolls):
    caption, ``<th scope="col">`` headings, the first cell of each row a ``<th scope="row">`` (with
    ``row_headers``). Heads and cells may be ``Cell`` (numbers right-aligned). ``sortable`` turns each
    heading into a sort button (report.js); ``print_hide`` leaves the table out of the printed page."""
    ths = []
    for h in head:
        c = h if isinstance(h, Cell) else Cell(h)
        inner = el("button", c.content, type="button", class_="sort") if sortable else c.content
        short = isinstance(c.content, str) and len(c.content) <= 10  # a year: keep "2026-27" on one line
        cls = " ".join(x for x in ("num" if c.num else "", "nowrap" if short else "") if x) or None
        ths.append(el("th", inner, scope="col", class_=cls))
    classes = " ".join(x for x in ("data", "sortable" if sortable else "", class_ or "") if x)
    t = join(
        Markup(f"<table{attrs(id=id, class_=classes)}>"),
        el("caption", caption, class_="vh"),
        el("thead", el("tr", ths)),
        Markup(f"<tbody>{_rows(rows, row_headers)}</tbody>"),
        Markup(f"<tfoot>{_rows(foot, row_headers)}</tfoot>") if foot else None,
        Markup("</table>"),
    )
    hide = " no-print" if print_hide else ""
    # the caption is read from the table; this copy above the scrolling box stays in view on a phone
    title = el("p", caption, class_=f"caption{hide}", aria_hidden="true")
    box = el("div", t, class_=f"scroll{hide}", tabindex="0", role="region", aria_label=_plain(caption))
    return join(title, box)


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


def _plain(x: object) -> str:
    """Text of a caption for a label (tags dropped)."""
    return re.sub(r"<[^>]+>", "", str(x)) if isinstance(x, Markup) else str(x)


# --- the page shell ------------------------------------------------------------------------------------


@functools.cache
def version() -> str:
    try:
        return metadata.version("allocator")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def asked_banner(asked: Asked) -> Markup:
    """What the run was asked, at the top of every page: the scenario, each ``extends`` step that changed
    a value and every ``--set``; nothing more when the scenario was run as written."""
    if not asked.changed:
        return Markup("")
    items = [el("li", "Based on ", el("code", asked.based_on))] if asked.based_on else []
    for step in asked.steps:
        codes = [el("code", c) for c in step.changes]
        if not codes:
            items.append(el("li", el("code", step.file), " changes ", step.note or "no value changed"))
            continue
        first, rest = codes[:BANNER_CHANGES], codes[BANNER_CHANGES:]
        more = el("details", el("summary", f"and {len(rest)} more"), join(rest, sep="; ")) if rest else None
        items.append(el("li", el("code", step.file), " changes ", join(first, sep="; "), more))
    if asked.overrides:
        items.append(
            el(
                "li",
                "Changed by ",
                el("code", "--set"),
                ": ",
                join([el("code", o) for o in asked.overrides], sep="; "),
            )
        )
    return el(
        "div",
        el(
            "p", el("strong", "This run changes the scenario as written. "), asked.title, class_="asked-title"
        ),
        el("ul", items),
        class_="asked",
        role="note",
    )


def page(
    title: str,
    body: Markup,
    *,
    depth: int = 0,
    nav: Sequence[tuple[str, str]] = (),
    asked: Asked | None = None,
    attribution: Sequence[str] = (),
) -> str:
    """A complete page: ``lang="en"``, viewport for narrow screens, a skip link, the shared stylesheet
    and script from ``static/`` (``depth`` folders up), a header with the scenario's title and ``nav``
    links, what the run was asked, and a footer with the data's attribution."""
    up = "../" * depth
    links = [el("li", el("a", text, href=up + href)) for href, text in nav]
    header = el(
        "header",
        el(
            "div",
            el("a", "Settlement explorer", href=f"{up}index.html", class_="brand"),
            el("span", asked.headline, class_="scenario") if asked is not None else None,
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
        [el("p", line, class_="attribution") for line in attribution],
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
        el("main", asked_banner(asked) if asked is not None else None, body, id="main"),
        Markup("\n"),
        footer,
        Markup("\n"),
        el("script", src=f"{up}static/report.js", defer=True),
        Markup("\n</body>\n</html>\n"),
    )
    return str(doc)


def figure(
    svg: str,
    caption: Content,
    legend: Sequence[tuple[str, str]] = (),
    note: Content = None,
    legend_title: str = "",
    class_: str | None = None,
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
        "figure",
        el("figcaption", caption),
        Markup(svg),
        el("div", side, class_="side") if side else None,
        class_=class_,
    )


def facts(items: Sequence[tuple[Content, Content, Content]]) -> Markup:
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
