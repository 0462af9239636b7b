"""Maps of a settlement as small, deterministic, accessible inline SVG, written directly (no plotting
library).

Outlines are turned into SVG path data once per report (``Outlines``), vectorised with shapely: the
boundaries are simplified together (shared edges stay shared), every ring's coordinates are rounded to
10 m and written as one absolute move and relative lines. Two levels of detail are kept: a coarse one for
national maps and a fine one that every area page reuses, zooming with the SVG ``viewBox`` onto the area
and its neighbours, so no page recomputes a boundary.

Each map is a choropleth: areas filled by class (``classify``: rounded quantile boundaries) on a
sequential colour ramp, or a diverging one centred on zero for changes of both signs, with a stated
"no change" band. The legend is text on the page (``legend``). Every SVG has ``role="img"`` and a
``<title>`` (its text alternative); areas are links with hover text, out of the tab order (the tables
carry the same links for keyboard and screen reader users). National maps of England get an inset of
London, whose boroughs are too small to see at national scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

NATIONAL_SIMPLIFY_M = 200.0
"""Tolerance (metres) for simplifying the boundaries of a national map."""
DETAIL_SIMPLIFY_M = 25.0
"""Tolerance (metres) for the boundaries of area maps."""
UNIT_M = 10.0
"""One SVG unit is 10 metres: coordinates are whole numbers."""
NO_DATA = "#d9d9d9"
NO_CHANGE = "#f2f2f2"
CONTEXT = "#e8e8e8"

# Colour ramps (sampled from ColorBrewer's YlGnBu and PuOr, as hex)
SEQUENTIAL = ["#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"]
LOSSES = ["#fdb863", "#e08214", "#b35806", "#7f3b08"]
GAINS = ["#b2abd2", "#8073ac", "#542788", "#2d004b"]


@dataclass(frozen=True)
class Classes:
    """Class boundaries and colours of a choropleth; with ``no_change``, values within that distance
    of zero form a class of their own."""

    bounds: list[float]
    colours: list[str]
    no_change: float = 0.0

    def colour_of(self, value: float) -> str:
        if value is None or not math.isfinite(value):
            return NO_DATA
        if self.no_change and abs(value) < self.no_change:
            return NO_CHANGE
        i = int(np.searchsorted(self.bounds, value, side="right")) - 1
        return self.colours[min(max(i, 0), len(self.colours) - 1)]


def _two_figures(x: float, up: bool) -> float:
    """Round to two significant figures, away from the data (down for a lower bound, up for upper)."""
    if x == 0 or not math.isfinite(x):
        return 0.0
    step = 10 ** (math.floor(math.log10(abs(x))) - 1)
    return (math.ceil(x / step) if up else math.floor(x / step)) * step


def _ramp(colours: list[str], n: int) -> list[str]:
    """``n`` colours spread over a ramp, palest first."""
    if n <= 0:
        return []
    idx = np.linspace(0, len(colours) - 1, n) if n > 1 else [len(colours) // 2]
    return [colours[round(i)] for i in idx]


def classify(
    values: pd.Series,
    k: int = 6,
    diverging: bool | None = None,
    no_change: float = 0.0,
    step: float | None = None,
) -> Classes:
    """About ``k`` classes at rounded quantiles of ``values``. Diverging (losses orange, gains purple,
    paler nearer zero) when the values have both signs or ``diverging`` says so; values within
    ``no_change`` of zero then form their own class. Boundaries are rounded away from the data to two
    significant figures, or to multiples of ``step`` (the precision the legend shows, so no two legend
    entries read alike), and are distinct."""

    def _nice(x: float, up: bool) -> float:
        if step is None:
            return _two_figures(x, up)
        k = math.ceil(round(x / step, 9)) if up else math.floor(round(x / step, 9))
        return round(k * step, 10)

    v = pd.Series(values, dtype=float).replace([np.inf, -np.inf], np.nan).dropna()
    if v.empty:
        return Classes([0.0, 1.0], [NO_DATA])
    lo, hi = float(v.min()), float(v.max())
    if no_change and float(v.abs().max()) < no_change:
        return Classes([-no_change, no_change], [NO_CHANGE], no_change)
    if diverging is None:
        diverging = bool(no_change) or lo < 0 < hi
    if diverging:
        neg, pos = v[v <= -no_change] if no_change else v[v < 0], v[v >= no_change] if no_change else v[v > 0]
        nb = sorted({_nice(q, up=False) for q in np.quantile(neg, [0, 1 / 3, 2 / 3])}) if len(neg) else []
        pb = sorted({_nice(q, up=True) for q in np.quantile(pos, [1 / 3, 2 / 3, 1])}) if len(pos) else []
        nb = [b for b in nb if b < -no_change] or ([-no_change] if len(neg) else [])
        pb = [b for b in pb if b > no_change] or ([no_change] if len(pos) else [])
        edge_lo, edge_hi = (-no_change, no_change) if no_change else (0.0, 0.0)
        bounds = sorted({*nb, edge_lo, edge_hi, *pb})
        n_neg = sum(b < edge_lo for b in bounds)
        n_pos = sum(b > edge_hi for b in bounds)
        middle = [NO_CHANGE] if no_change else []
        colours = _ramp(LOSSES, n_neg)[::-1] + middle + _ramp(GAINS, n_pos)
        return Classes(bounds, colours, no_change)
    if math.isclose(lo, hi):
        bounds = [_nice(lo, up=False), _nice(hi, up=True)]
        if bounds[0] == bounds[1]:
            bounds[1] = bounds[0] + (step or 1.0)
    else:
        qs = np.quantile(v, np.linspace(0, 1, k + 1))
        bounds = sorted({_nice(qs[0], up=False), *(_nice(q, up=True) for q in qs[1:])})
    return Classes(bounds, _ramp(SEQUENTIAL[1:], len(bounds) - 1))


def legend(
    classes: Classes, fmt: Callable[[float], str], no_change: str = "No change"
) -> list[tuple[str, str]]:
    """The legend as (colour, text) pairs, lowest class first: "£130 to £150". A class whose two bounds
    read the same once formatted is merged into its neighbour, so no two entries read alike."""
    out: list[tuple[str, str]] = []
    b = classes.bounds
    for i, colour in enumerate(classes.colours):
        if colour == NO_CHANGE:
            out.append((colour, no_change))
            continue
        text = f"{fmt(b[i])} to {fmt(b[i + 1])}"
        if fmt(b[i]) == fmt(b[i + 1]) or (out and out[-1][1] == text):
            continue
        out.append((colour, text))
    return out


# --- outlines as SVG path data, once per report ---------------------------------------------------------


def simplified(geometry: gpd.GeoSeries, tolerance: float) -> gpd.GeoSeries:
    """Boundaries simplified together (shared edges stay shared) where possible, else one by one."""
    try:
        return geometry.simplify_coverage(tolerance)
    except Exception:  # not a clean coverage, or an older GEOS: simplify each area alone
        return geometry.simplify(tolerance, preserve_topology=True)


def path_data(geoms: Sequence) -> list[str]:
    """SVG path data of each (multi)polygon, in 10 m units with y pointing down: per ring an absolute
    move, relative lines, close. Empty geometries give ""."""
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    polygons = shapely.get_type_id(parts) == 3
    parts, part_of = parts[polygons], part_of[polygons]
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, ring_idx = shapely.get_coordinates(rings, return_index=True)
    out: list[list[str]] = [[] for _ in range(len(geoms))]
    if not len(xy):
        return [""] * len(geoms)
    pts = np.rint(np.column_stack([xy[:, 0], -xy[:, 1]]) / UNIT_M).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, ring_idx[1:] != ring_idx[:-1]])
    ends = np.r_[starts[1:], len(ring_idx)]
    delta = np.diff(pts, axis=0, prepend=pts[:1])
    for r, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        d = delta[a + 1 : b - 1]  # the closing point repeats the first: "z" draws that edge
        d = d[(d[:, 0] != 0) | (d[:, 1] != 0)]
        if len(d) < 2:
            continue
        x0, y0 = pts[a].tolist()
        body = " ".join(map(str, d.ravel().tolist()))
        out[part_of[ring_of[r]]].append(f"M{x0} {y0}l{body}z")
    return ["".join(p) for p in out]


@dataclass(frozen=True)
class Outlines:
    """Every area's outline as SVG path data, at national and at area detail, with each area's bounds
    and a label point (SVG units)."""

    codes: list[str]
    national: dict[str, str]
    detail: dict[str, str]
    bounds: dict[str, tuple[float, float, float, float]]
    points: dict[str, tuple[float, float]]

    @classmethod
    def of(cls, geometry: gpd.GeoSeries) -> Outlines:
        """From a GeoSeries (EPSG:27700, metres) indexed by area code; empty geometries are left out."""
        geometry = geometry[~(geometry.isna() | geometry.is_empty)]
        codes = [str(c) for c in geometry.index]
        national = path_data(simplified(geometry, NATIONAL_SIMPLIFY_M).values)
        detail = path_data(simplified(geometry, DETAIL_SIMPLIFY_M).values)
        b = shapely.bounds(np.asarray(geometry.values)) / UNIT_M
        pts = shapely.get_coordinates(shapely.point_on_surface(np.asarray(geometry.values))) / UNIT_M
        return cls(
            codes=codes,
            national=dict(zip(codes, national, strict=True)),
            detail=dict(zip(codes, detail, strict=True)),
            bounds={c: (b[i, 0], -b[i, 3], b[i, 2], -b[i, 1]) for i, c in enumerate(codes)},
            points={c: (pts[i, 0], -pts[i, 1]) for i, c in enumerate(codes)},
        )

    def frame(
        self, codes: Sequence[str], pad: float = 0.03, aspect: tuple[float, float] = (0.55, 1.35)
    ) -> tuple[float, ...]:
        """A viewBox (x, y, width, height) around ``codes``, padded, with its height/width ratio kept
        within ``aspect`` (the areas centred)."""
        b = np.array([self.bounds[c] for c in codes])
        x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
        w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
        p = pad * max(w, h)
        x0, y0, w, h = x0 - p, y0 - p, w + 2 * p, h + 2 * p
        ratio = min(max(h / w, aspect[0]), aspect[1])
        if h / w < ratio:  # too wide: add height
            y0, h = y0 - (w * ratio - h) / 2, w * ratio
        elif h / w > ratio:  # too tall: add width
            x0, w = x0 - (h / ratio - w) / 2, h / ratio
        return (round(x0), round(y0), round(w), round(h))

    def within(self, frame: tuple[float, ...]) -> list[str]:
        """Areas whose bounds meet the frame."""
        x, y, w, h = frame
        return [
            c
            for c in self.codes
            if not (
                self.bounds[c][2] < x
                or self.bounds[c][0] > x + w
                or self.bounds[c][3] < y
                or self.bounds[c][1] > y + h
            )
        ]


# --- drawing ------------------------------------------------------------------------------------------------


def _area(d: str, fill: str, link: str | None, tip: str | None, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    shape = f'<path d="{d}" fill="{fill}"{c}/>'
    if not link:
        return f"<g>{f'<title>{escape(tip)}</title>' if tip else ''}{shape}</g>" if tip else shape
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return f'<a href="{escape(link)}" tabindex="-1">{title}{shape}</a>'


def _svg(frame: tuple[float, ...], prefix: str, alt: str, body: list[str]) -> str:
    x, y, w, h = frame
    title_id = f"{prefix}-title"
    return (
        f'<svg class="map" role="img" aria-labelledby="{title_id}" focusable="false" '
        f'viewBox="{x} {y} {w} {h}" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{title_id}">{escape(alt)}</title>' + "".join(body) + "</svg>\n"
    )


def choropleth(
    outlines: Outlines,
    values: Mapping[str, float],
    classes: Classes,
    *,
    alt: str,
    id_prefix: str,
    links: Mapping[str, str] | None = None,
    tooltips: Mapping[str, str] | None = None,
    inset: Sequence[str] = (),
    inset_label: str = "London",
) -> str:
    """A national map of every area in ``outlines``, filled by ``classes``; ``inset``: codes drawn again,
    larger, in a box in the top right corner (London)."""
    links, tooltips = links or {}, tooltips or {}
    codes = outlines.codes
    frame = outlines.frame(codes)
    body = ['<g class="areas">']
    body += [
        _area(outlines.national[c], classes.colour_of(values.get(c, math.nan)), links.get(c), tooltips.get(c))
        for c in codes
        if outlines.national[c]
    ]
    body.append("</g>")
    inset = [c for c in inset if c in outlines.bounds]
    if inset:
        body.append(_inset(outlines, inset, frame, values, classes, links, tooltips, inset_label))
    return _svg(frame, id_prefix, alt, body)


def _inset(outlines, codes, frame, values, classes, links, tooltips, label) -> str:
    """A box in the top right corner of ``frame`` showing ``codes`` at a larger scale."""
    x, y, w, h = frame
    size = 0.34 * w
    ix, iy = x + w - size - 0.01 * w, y + 0.01 * h
    inner = outlines.frame(codes, pad=0.04, aspect=(0.7, 0.7))
    height = size * inner[3] / inner[2]
    font = inner[2] * 0.07
    shapes = "".join(
        _area(outlines.detail[c], classes.colour_of(values.get(c, math.nan)), links.get(c), tooltips.get(c))
        for c in codes
    )
    return (
        f'<rect class="inset-box" x="{ix:.0f}" y="{iy:.0f}" width="{size:.0f}" height="{height:.0f}"/>'
        f'<svg x="{ix:.0f}" y="{iy:.0f}" width="{size:.0f}" height="{height:.0f}" '
        f'viewBox="{inner[0]} {inner[1]} {inner[2]} {inner[3]}"><g class="areas">{shapes}</g>'
        f'<text x="{inner[0] + inner[2] * 0.04:.0f}" y="{inner[1] + font * 1.3:.0f}" font-size="{font:.0f}" '
        f'class="inset-label">{escape(label)}</text></svg>'
    )


def area_map(
    outlines: Outlines,
    code: str,
    focus: Sequence[str],
    values: Mapping[str, float],
    classes: Classes,
    *,
    alt: str,
    id_prefix: str,
    links: Mapping[str, str],
    tooltips: Mapping[str, str],
    names: Mapping[str, str],
) -> str:
    """A map of area ``code`` and ``focus`` (its neighbours) filled by ``classes``, other areas in the
    frame pale grey behind, ``code`` outlined, each focus area named."""
    shown = [c for c in [code, *focus] if c in outlines.bounds]
    frame = outlines.frame(shown, pad=0.1)
    near = outlines.within(frame)
    focus_set = set(shown)
    font = frame[2] * 0.026
    body = ['<g class="context">']
    body += [f'<path d="{outlines.detail[c]}"/>' for c in near if c not in focus_set and outlines.detail[c]]
    body.append('</g><g class="areas">')
    body += [
        _area(outlines.detail[c], classes.colour_of(values.get(c, math.nan)), links.get(c), tooltips.get(c))
        for c in shown
    ]
    body.append(f'</g><path class="highlight" d="{outlines.detail[code]}"/>')
    body.append(f'<g class="labels" font-size="{font:.0f}" stroke-width="{font * 0.25:.0f}">')
    for c in shown:
        px, py = outlines.points[c]
        strong = ' class="this"' if c == code else ""
        body.append(
            f'<text x="{px:.0f}" y="{py:.0f}" text-anchor="middle" dominant-baseline="middle"{strong}>'
            f"{escape(names.get(c, c))}</text>"
        )
    body.append("</g>")
    return _svg(frame, id_prefix, alt, body)
