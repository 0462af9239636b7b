"""The settlement explorer: a static HTML site that a local leader opens from disk, with no network.

``write_report(settlement, out_dir)`` writes::

    out_dir/index.html          national summary, mission value, maps, every area (sortable, filterable),
                                what an extra £1m buys, the rules and their independent check
    out_dir/areas/<code>.html   one page per area: map with neighbours, settlement by year and stream,
                                per head against the nation, the waterfall, the rules that hold it,
                                its outcomes framework
    out_dir/compare.html        with ``against``: every area's change, a map of it, winners and losers
    out_dir/static/             one stylesheet and a small script (table sort and filter), no library

Every page works offline: no CDN, no web font, no request beyond the folder. Text is escaped everywhere
(``html_kit``); maps are inline SVG made by ``maps`` (matplotlib), charts inline SVG made by
``html_charts``. The same settlement gives byte-identical files. The site is written into a temporary
folder beside ``out_dir`` and moved into place when complete.
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from allocator.compare import Comparison, compare
from allocator.output_folder import publish
from allocator.progress import Progress
from allocator.reports.html_area import area_page
from allocator.reports.html_compare import compare_page
from allocator.reports.html_data import ReportData
from allocator.reports.html_index import index_page
from allocator.reports.html_kit import per_head, signed_pct, signed_per_head
from allocator.reports.maps import NATIONAL_SIMPLIFY_M, Classes, choropleth, classify, simplified
from allocator.settlement import Settlement
from allocator.units import fy

STATIC_FILES = ("report.css", "report.js")
AREA_MAP_DETAIL = 800
"""Area maps are simplified to 1/AREA_MAP_DETAIL of their extent (about half a point on screen)."""


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
        d = ReportData(settlement)
        cmp = compare(against, settlement, tuple(names)) if against is not None else None
        tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        (tmp / "areas").mkdir(parents=True)
        try:
            _write_site(d, cmp, tmp)
            publish(tmp, out, "report")  # replaces only an earlier report; writes its manifest
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out / "index.html"


def _write_site(d: ReportData, cmp: Comparison | None, root: Path) -> None:
    static = root / "static"
    static.mkdir()
    package = resources.files("allocator.reports") / "static"
    for name in STATIC_FILES:
        (static / name).write_bytes((package / name).read_bytes())
    geometry = _geometry(d)
    national = simplified(geometry, NATIONAL_SIMPLIFY_M) if geometry is not None else None
    per_head_svg = change_svg = None
    if national is not None:
        per_head_svg, change_svg = _national_maps(d, national)
    compare_title = f"Comparison: {cmp.names[1]} against {cmp.names[0]}" if cmp is not None else None
    _write(root / "index.html", index_page(d, per_head_svg, change_svg, compare_title))
    for code in d.codes:
        svg = _area_map(d, geometry, code) if geometry is not None and code in geometry.index else None
        _write(root / "areas" / d.pages[code], area_page(d, code, svg, cmp))
    if cmp is not None:
        svg, classes = _compare_map(d, cmp, national) if national is not None else (None, None)
        _write(root / "compare.html", compare_page(d, cmp, svg, classes))


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _geometry(d: ReportData) -> Any:
    g = d.s.geometry
    if g is None or len(g) == 0:
        return None
    g = g[~(g.isna() | g.is_empty)]
    g = g[g.index.isin(d.codes)]
    return g if len(g) else None


def _range_alt(values: pd.Series, d: ReportData, what: str, fmt) -> str:
    v = values.dropna()
    if v.empty:
        return f"Map of {what}: no figures."
    lo, hi = v.idxmin(), v.idxmax()
    return (
        f"Map of {len(v)} areas shaded by {what}, from {fmt(v[lo])} ({d.name(lo)}) to {fmt(v[hi])} "
        f"({d.name(hi)}); darker shades are higher. The table of every area gives each figure."
    )


def _national_maps(d: ReportData, national: Any) -> tuple[str, str]:
    pa = d.per_area
    links = {c: f"areas/{d.pages[c]}" for c in d.codes}
    tips = {c: d.tooltip(c) for c in d.codes}
    ph = choropleth(
        national,
        pa["per_head_gbp"],
        d.per_head_classes,
        alt=_range_alt(pa["per_head_gbp"], d, "settlement per head a year", per_head),
        id_prefix="map-per-head",
        links=links,
        tooltips=tips,
    )
    change = pa["change_vs_baseline_pct"]
    what = f"change in {fy(d.years[-1])} against the {d.baseline_year} baseline"
    alt = _range_alt(change, d, what, signed_pct)
    if len(d.change_classes.bounds) > 2 and d.change_classes.bounds[0] < 0 < d.change_classes.bounds[-1]:
        alt = alt.replace("darker shades are higher", "purple shows gains and orange losses")
    ch = choropleth(
        national, change, d.change_classes, alt=alt, id_prefix="map-change", links=links, tooltips=tips
    )
    return ph, ch


def _area_map(d: ReportData, geometry: Any, code: str) -> str:
    focus = [code, *(c for c in d.neighbours[code] if c in geometry.index)]
    x0, y0, x1, y1 = geometry.loc[focus].total_bounds
    extent = max(x1 - x0, y1 - y0, 1.0)
    pad = 0.1 * extent
    near = geometry.iloc[geometry.sindex.query(shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad))]
    near = simplified(near.sort_index(), extent / AREA_MAP_DETAIL)
    context = near[~near.index.isin(focus)]
    shown = near.loc[[c for c in focus if c in near.index]]
    name = d.name(code)
    others = len(focus) - 1
    alt = (
        f"Map of {name} (outlined) and its {others} neighbouring {'area' if others == 1 else 'areas'}, "
        f"shaded by settlement per head a year; {name}: {per_head(d.per_area.at[code, 'per_head_gbp'])}."
    )
    return choropleth(
        shown,
        d.per_area["per_head_gbp"],
        d.per_head_classes,
        alt=alt,
        id_prefix="map-area",
        links={c: d.pages[c] for c in focus if c != code},
        tooltips={c: d.tooltip(c) for c in focus},
        context=context,
        highlight=code,
        names={c: d.name(c) for c in focus},
    )


def _compare_map(d: ReportData, cmp: Comparison, national: Any) -> tuple[str, Classes]:
    a, b = cmp.names
    values = (cmp.by_area["change_per_head_gbp"] / len(d.years)).reindex(d.codes)
    classes = classify(values)
    alt = _range_alt(values, d, f"the change in £ per head a year, {b} against {a}", signed_per_head)
    if classes.bounds[0] < 0 < classes.bounds[-1]:
        alt = alt.replace("darker shades are higher", "purple shows gains and orange losses")
    svg = choropleth(
        national,
        values,
        classes,
        alt=alt,
        id_prefix="map-compare",
        links={c: f"areas/{d.pages[c]}" for c in d.codes},
        tooltips={c: f"{d.name(c)}: {signed_per_head(values[c])} per head a year" for c in d.codes},
    )
    return svg, classes
