"""The settlement explorer: a static HTML site that a local leader opens from disk, with no network.

``write_report(settlement, out_dir)`` writes::

    out_dir/index.html          national summary (cash and real terms), mission value, maps, every area
                                (sortable, filterable), what an extra £1m buys, the rules and their check
    out_dir/areas/<code>.html   one page per area: its published figures, map with neighbours, settlement
                                by year and stream, cash and real terms, per head against the nation,
                                region, neighbours and similar councils, the waterfall, the rules that
                                hold it, its outcomes; it prints on one page
    out_dir/compare.html        with ``against``: every area's change, a map of it, winners and losers
    out_dir/static/             one stylesheet and a small script (table sort and filter), no library

Every page says what the run was asked (the scenario, its ``extends`` steps and ``--set`` overrides)
and credits the data's publishers. Every page works offline: no CDN, no web font, no request beyond the
folder. Text is escaped everywhere (``html_kit``); maps are inline SVG whose outlines are computed once
(``maps``), charts inline SVG (``html_charts``). The same settlement gives byte-identical files. The site
is written into a temporary folder beside ``out_dir`` and moved into place when complete.
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.compare import NO_CHANGE_PER_HEAD_GBP, Comparison, compare
from allocator.output_folder import publish
from allocator.progress import Progress
from allocator.reports.context import ReportContext
from allocator.reports.html_area import area_page
from allocator.reports.html_compare import compare_page
from allocator.reports.html_index import index_page
from allocator.reports.maps import Classes, Outlines, area_map, choropleth, classify
from allocator.settlement import Settlement
from allocator.units import fy, pct, per_head

STATIC_FILES = ("report.css", "report.js")
LONDON_PREFIX = "E09"
"""GSS codes of the London boroughs (and the City): shown again, larger, in an inset on national maps."""


def write_report(
    settlement: Settlement,
    out_dir: Path | str,
    against: Settlement | None = None,
    names: tuple[str, str] = ("a", "b"),
    progress: Progress | None = None,
) -> Path:
    """Write the HTML explorer of ``settlement`` into ``out_dir`` and return the path of its index.html.

    Args:
        settlement: a solved settlement (``allocator.solve``) or one read back with ``read_run``; maps
            need its ``geometry`` (area polygons), and are left out, with a note, without it.
        out_dir: the folder to write (created; an earlier report there is replaced).
        against: another settlement to compare with; adds compare.html and a section on each area page.
        names: labels of the two settlements, in the order of ``allocator.compare``: ``names[0]`` for
            ``against`` and ``names[1]`` for ``settlement``; changes are ``settlement - against``, as
            ``compare(against, settlement, names)``.
        progress: shows the step "rendering pages" (silent when None).
    """
    progress = progress or Progress(enabled=False)
    out = Path(out_dir)
    with progress.step("rendering pages"):
        ctx = ReportContext(settlement)
        cmp = compare(against, settlement, tuple(names)) if against is not None else None
        other = ReportContext(against) if against is not None else None
        tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        (tmp / "areas").mkdir(parents=True)
        try:
            _write_site(ctx, cmp, other, tmp)
            publish(tmp, out, "report")  # replaces only an earlier report; writes its manifest
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out / "index.html"


def _write_site(ctx: ReportContext, cmp: Comparison | None, other: ReportContext | None, root: Path) -> None:
    static = root / "static"
    static.mkdir()
    package = resources.files("allocator.reports") / "static"
    for name in STATIC_FILES:
        (static / name).write_bytes((package / name).read_bytes())
    outlines = _outlines(ctx)
    tips = _tooltips(ctx)
    per_head_svg = change_svg = None
    if outlines is not None:
        per_head_svg, change_svg = _national_maps(ctx, outlines, tips)
    compare_title = f"Comparison: {cmp.names[1]} against {cmp.names[0]}" if cmp is not None else None
    _write(root / "index.html", index_page(ctx, per_head_svg, change_svg, compare_title))
    for code in ctx.codes:
        svg = (
            _area_map(ctx, outlines, code, tips) if outlines is not None and code in outlines.bounds else None
        )
        _write(root / "areas" / ctx.pages[code], area_page(ctx, code, svg, cmp))
    if cmp is not None:
        svg, classes = _compare_map(ctx, cmp, outlines) if outlines is not None else (None, None)
        _write(root / "compare.html", compare_page(ctx, cmp, other, svg, classes))


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _outlines(ctx: ReportContext) -> Outlines | None:
    g = ctx.s.geometry
    if g is None or len(g) == 0:
        return None
    g = g[g.index.isin(ctx.codes) & ~(g.isna() | g.is_empty)]
    return Outlines.of(g) if len(g) else None


def _london(ctx: ReportContext, outlines: Outlines) -> list[str]:
    """The London boroughs among the areas, when they are a small part of the map."""
    codes = [c for c in outlines.codes if c.startswith(LONDON_PREFIX)]
    return codes if 0 < len(codes) <= len(outlines.codes) / 3 else []


def _range_alt(values: pd.Series, ctx: ReportContext, what: str, fmt) -> str:
    v = values.dropna()
    if v.empty:
        return f"Map of {what}: no figures."
    lo, hi = v.idxmin(), v.idxmax()
    return (
        f"Map of {len(v)} areas shaded by {what}, from {fmt(v[lo])} ({ctx.name(lo)}) to {fmt(v[hi])} "
        f"({ctx.name(hi)}); darker shades are higher. The table of every area gives each figure."
    )


def _tooltips(ctx: ReportContext) -> dict[str, str]:
    pa = ctx.per_area
    last = fy(ctx.years[-1])
    return {
        c: f"{n}: {per_head(ph)} per head a year; {pct(ch, signed=True)} in {last} against the baseline"
        for c, n, ph, ch in zip(
            ctx.codes, pa["area_name"], pa["per_head_gbp"], pa["change_vs_baseline_pct"], strict=True
        )
    }


def _national_maps(ctx: ReportContext, outlines: Outlines, tips: dict[str, str]) -> tuple[str, str]:
    pa = ctx.per_area
    links = {c: f"areas/{ctx.pages[c]}" for c in ctx.codes}
    inset = _london(ctx, outlines)
    ph = choropleth(
        outlines,
        pa["per_head_gbp"].to_dict(),
        ctx.per_head_classes,
        alt=_range_alt(pa["per_head_gbp"], ctx, "settlement per head a year", per_head),
        id_prefix="map-per-head",
        links=links,
        tooltips=tips,
        inset=inset,
    )
    change = pa["change_vs_baseline_pct"]
    classes = ctx.change_classes
    what = f"change in {fy(ctx.years[-1])} against the {ctx.baseline_year} baseline"
    alt = _range_alt(change, ctx, what, lambda x: pct(x, signed=True))
    if classes.bounds[0] < 0 < classes.bounds[-1]:
        alt = alt.replace("darker shades are higher", "purple shows gains and orange losses")
    ch = choropleth(
        outlines,
        change.to_dict(),
        classes,
        alt=alt,
        id_prefix="map-change",
        links=links,
        tooltips=tips,
        inset=inset,
    )
    return ph, ch


def _area_map(ctx: ReportContext, outlines: Outlines, code: str, tips: dict[str, str]) -> str:
    focus = [c for c in ctx.neighbours[code] if c in outlines.bounds]
    name = ctx.name(code)
    n = len(focus)
    ph = ctx.per_area["per_head_gbp"]
    alt = (
        f"Map of {name} (outlined) and its {n} neighbouring {'area' if n == 1 else 'areas'}, "
        f"shaded by settlement per head a year; {name}: {per_head(ph[code])}."
    )
    return area_map(
        outlines,
        code,
        focus,
        ph.to_dict(),
        ctx.per_head_classes,
        alt=alt,
        id_prefix="map-area",
        links={c: ctx.pages[c] for c in focus},
        tooltips={c: tips[c] for c in [code, *focus]},
        names={c: ctx.name(c) for c in [code, *focus]},
    )


def compare_values(ctx: ReportContext, cmp: Comparison) -> pd.Series:
    """The change in £ per head a year of each area (the comparison map's values)."""
    return cmp.by_area["change_per_head_gbp"].reindex(ctx.codes)


def _compare_map(ctx: ReportContext, cmp: Comparison, outlines: Outlines) -> tuple[str, Classes]:
    a, b = cmp.names
    values = compare_values(ctx, cmp)
    classes = classify(values, no_change=NO_CHANGE_PER_HEAD_GBP, step=1.0)
    signed = lambda x: per_head(x, signed=True)  # noqa: E731
    alt = _range_alt(values, ctx, f"the change in £ per head a year, {b} against {a}", signed)
    if classes.bounds[0] < 0 < classes.bounds[-1]:
        alt = alt.replace("darker shades are higher", "purple shows gains and orange losses")
    svg = choropleth(
        outlines,
        values.to_dict(),
        classes,
        alt=alt,
        id_prefix="map-compare",
        links={c: f"areas/{ctx.pages[c]}" for c in ctx.codes},
        tooltips={
            c: f"{ctx.name(c)}: {signed(values[c])} per head a year"
            for c in ctx.codes
            if np.isfinite(values[c])
        },
        inset=_london(ctx, outlines),
    )
    return svg, classes
