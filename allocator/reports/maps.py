"""Maps of a settlement as small, deterministic, accessible SVG (matplotlib, without pyplot or axes).

Each map is a choropleth: areas filled by class (rounded quantile boundaries) on a sequential colour map
(diverging, centred on zero, for changes of both signs). Its legend is text on the page (``legend``), so
screen readers read it and it scales with the font. The same inputs give byte-identical SVG: the SVG hash
salt is fixed, no date is written, and coordinates are rounded to 0.1 pt. National maps are drawn from
simplified boundaries, so a map of 320 areas stays near 100 KB. The SVG is returned ready to inline in
HTML: no XML header, ids prefixed (several maps share a page), ``role="img"`` with a ``<title>``, and,
where links are given, each area a link with hover text (out of the tab order: the tables carry the same
links for keyboard and screen reader users).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps, rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import Affine2D

NATIONAL_SIMPLIFY_M = 200.0
"""Tolerance (metres) for simplifying the boundaries of a national map."""

RC = {"svg.hashsalt": "allocator-report", "svg.fonttype": "none", "font.family": "sans-serif"}
SEQUENTIAL = "YlGnBu"
DIVERGING = "PuOr"
NO_DATA = "#d9d9d9"
CONTEXT = "#e8e8e8"


@dataclass(frozen=True)
class Classes:
    """Class boundaries and colours of a choropleth."""

    bounds: list[float]
    colours: list[str]

    def colour_of(self, value: float) -> str:
        if value is None or not math.isfinite(value):
            return NO_DATA
        i = int(np.searchsorted(self.bounds, value, side="right")) - 1
        return self.colours[min(max(i, 0), len(self.colours) - 1)]


def _nice(x: float, up: bool) -> float:
    """Round to two significant figures, away from the data (down for a lower bound, up for upper)."""
    if x == 0 or not math.isfinite(x):
        return 0.0
    step = 10 ** (math.floor(math.log10(abs(x))) - 1)
    return (math.ceil(x / step) if up else math.floor(x / step)) * step


def classify(values: pd.Series, k: int = 6, diverging: bool | None = None) -> Classes:
    """About ``k`` classes at rounded quantiles of ``values``; diverging colours (centred on 0) when the
    values have both signs (or when ``diverging`` says so), sequential otherwise."""
    v = pd.Series(values, dtype=float).replace([np.inf, -np.inf], np.nan).dropna()
    if v.empty:
        return Classes([0.0, 1.0], [NO_DATA])
    lo, hi = float(v.min()), float(v.max())
    if diverging is None:
        diverging = lo < 0 < hi
    if diverging:
        neg = (
            sorted({_nice(q, up=False) for q in np.quantile(v[v < 0], [0, 1 / 3, 2 / 3])})
            if (v < 0).any()
            else []
        )
        pos = (
            sorted({_nice(q, up=True) for q in np.quantile(v[v > 0], [1 / 3, 2 / 3, 1])})
            if (v > 0).any()
            else []
        )
        bounds = sorted({*neg, 0.0, *pos})
        bounds[0], bounds[-1] = min(bounds[0], _nice(lo, up=False)), max(bounds[-1], _nice(hi, up=True))
        cmap = colormaps[DIVERGING]
        n_neg = sum(b < 0 for b in bounds)
        n_pos = len(bounds) - 1 - n_neg
        m = max(n_neg, n_pos, 1)
        # PuOr runs orange (low) to purple (high): losses orange, gains purple, paler nearer zero, with
        # the same shade for the same distance from zero on either side
        neg_c = [cmap(0.45 - 0.37 * (n_neg - i) / m) for i in range(n_neg)]
        pos_c = [cmap(0.55 + 0.37 * (i + 1) / m) for i in range(n_pos)]
        return Classes(bounds, [_hex(c) for c in (neg_c + pos_c)])
    if math.isclose(lo, hi):
        bounds = [_nice(lo, up=False), _nice(hi, up=True)]
        if bounds[0] == bounds[1]:
            bounds[1] = bounds[0] + 1.0
    else:
        qs = np.quantile(v, np.linspace(0, 1, k + 1))
        bounds = sorted({_nice(qs[0], up=False), *(_nice(q, up=True) for q in qs[1:])})
    cmap = colormaps[SEQUENTIAL]
    n = len(bounds) - 1
    colours = [_hex(cmap(0.15 + 0.8 * i / max(n - 1, 1))) for i in range(n)]
    return Classes(bounds, colours)


def _hex(rgba: tuple[float, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in rgba[:3]))


def geometry_path(geom) -> MplPath | None:
    """One compound matplotlib path for a (multi)polygon, holes included; None when empty."""
    if geom is None or geom.is_empty:
        return None
    parts = getattr(geom, "geoms", [geom])
    verts, codes = [], []
    for poly in parts:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def simplified(geometry, tolerance: float):
    """Boundaries simplified together (shared edges stay shared) where possible, else one by one."""
    try:
        return geometry.simplify_coverage(tolerance)
    except Exception:  # not a clean coverage, or an older GEOS: simplify each area alone
        return geometry.simplify(tolerance, preserve_topology=True)


def choropleth(
    geometry,
    values: pd.Series,
    classes: Classes,
    *,
    alt: str,
    id_prefix: str,
    links: Mapping[str, str] | None = None,
    tooltips: Mapping[str, str] | None = None,
    context=None,
    highlight: str | None = None,
    names: Mapping[str, str] | None = None,
    width_in: float = 5.0,
) -> str:
    """An inline SVG choropleth of ``values`` (indexed by area_code) over ``geometry``.

    Args:
        geometry: GeoSeries (EPSG:27700) of the areas to colour, indexed by area_code.
        classes: from ``classify``; show ``legend(classes, fmt)`` beside the map.
        alt: the text alternative read by screen readers (what the map shows and its range).
        id_prefix: unique on the page; prefixes every id in the SVG.
        links, tooltips: per area_code, the link target and the hover text.
        context: GeoSeries of other areas drawn pale grey behind (clipped to the map's frame).
        highlight: area_code drawn with a heavy outline. names: labels drawn on the map, per area_code
            (as SVG text; the stylesheet gives them a white halo).
    """
    paths, kept = [], []
    for code in geometry.index:
        p = geometry_path(geometry[code])
        if p is not None:
            paths.append(p)
            kept.append(code)
    x0, y0, x1, y1 = geometry.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0, 1.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    height_in = width_in * min(max((y1 - y0) / max(x1 - x0, 1.0), 0.55), 1.35)
    scale = min(width_in / (x1 - x0), height_in / (y1 - y0))
    dx = (width_in / scale - (x1 - x0)) / 2  # centre the areas when the frame's aspect was clamped
    dy = (height_in / scale - (y1 - y0)) / 2
    frame = (x0 - dx, y0 - dy, x1 + dx, y1 + dy)
    with rc_context(RC):
        fig = Figure(figsize=(width_in, height_in), dpi=72)
        FigureCanvasSVG(fig)
        fig.patch.set_visible(False)
        tr = Affine2D().translate(-frame[0], -frame[1]).scale(scale) + fig.dpi_scale_trans

        def add(artist):
            artist.set_transform(tr)
            fig.add_artist(artist)

        if context is not None and len(context):
            clipped = shapely.clip_by_rect(np.asarray(context.values), *frame)
            cpaths = [p for p in (geometry_path(g) for g in clipped) if p is not None]
            add(
                PatchCollection(
                    [PathPatch(p) for p in cpaths], facecolor=CONTEXT, edgecolor="#fff", linewidth=0.6
                )
            )
        fill = [classes.colour_of(float(values.get(c, np.nan))) for c in kept]
        coll = PatchCollection(
            [PathPatch(p) for p in paths],
            facecolors=fill,
            edgecolors="#fff",
            linewidths=0.7 if highlight else 0.3,
        )
        if links:
            coll.set_urls([links.get(c) for c in kept])
        add(coll)
        if highlight is not None and highlight in kept:
            add(PathPatch(paths[kept.index(highlight)], facecolor="none", edgecolor="#111", linewidth=2.2))
        for code in kept:
            if names and code in names:
                pt = geometry[code].representative_point()
                strong = code == highlight
                text = Text(pt.x, pt.y, names[code], ha="center", va="center", color="#111", parse_math=False)
                text.set_fontsize(10.5 if strong else 9)
                text.set_fontweight("bold" if strong else "normal")
                add(text)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    hover = {links[c]: tooltips[c] for c in kept if links and tooltips and c in links and c in tooltips}
    return _tidy(buf.getvalue(), id_prefix, alt, hover)


def legend(classes: Classes, fmt: Callable[[float], str]) -> list[tuple[str, str]]:
    """The legend of a choropleth as (colour, text) pairs, lowest class first: "£130 to £150"."""
    b = classes.bounds
    return [(c, f"{fmt(b[i])} to {fmt(b[i + 1])}") for i, c in enumerate(classes.colours)]


_FLOAT = re.compile(r"-?\d+\.\d{2,}")
_TEXT = re.compile(r"(>[^<]*</text>)")


def _short(x: float) -> str:
    s = f"{x:.1f}"
    s = s[:-2] if s.endswith(".0") else s
    return "0" if s == "-0" else s


def _compact_path(m: re.Match) -> str:
    d = " ".join(m.group(1).split())
    if not re.search(r"[^MLz\d\s.\-]", d):  # only moves and lines: "L" may be left implicit
        d = d.replace(" L ", " ")
    return f'd="{d}"'


def _tidy(svg: str, prefix: str, alt: str, hover: Mapping[str, str]) -> str:
    """Make matplotlib's SVG fit to inline: drop the XML header, prefix ids, round coordinates, let it
    scale with the page, label it for screen readers and give area links hover text."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"', svg)
    svg = "".join(
        part if part.startswith(">") else _FLOAT.sub(lambda f: _short(float(f.group(0))), part)
        for part in _TEXT.split(svg)
    )
    svg = re.sub(r'\bd="([^"]*)"', _compact_path, svg)
    svg = re.sub(r"font-family: [^;\"]*;?\s*", "", svg)
    svg = svg.replace(' target="_blank"', "")
    # inline in HTML the parser puts SVG in its namespace: the xmlns declarations (the only URLs in the
    # file) are not needed
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg)
    svg = re.sub(r"(<svg[^>]*?)\s+width=\"[^\"]*\"\s+height=\"[^\"]*\"", r"\1", svg, count=1)
    title_id = f"{prefix}-title"
    svg = svg.replace(
        "<svg ", f'<svg class="map" role="img" aria-labelledby="{title_id}" focusable="false" ', 1
    )
    head_end = svg.index(">") + 1
    svg = svg[:head_end] + f'\n<title id="{title_id}">{escape(alt)}</title>' + svg[head_end:]

    def link(m: re.Match) -> str:
        tip = hover.get(_unescape(m.group(1)))
        title = f"<title>{escape(tip)}</title>" if tip else ""
        return f'<a xlink:href="{m.group(1)}" tabindex="-1">{title}'

    svg = re.sub(r'<a xlink:href="([^"#][^"]*)">', link, svg)
    svg = re.sub(r"\n\s*\n", "\n", svg)
    return svg.strip() + "\n"


def _unescape(s: str) -> str:
    from html import unescape

    return unescape(s)
