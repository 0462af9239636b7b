"""Geometry of the synthetic geography: the outline, the sites, their tessellation and adjacency.

Everything is vectorised (numpy and shapely 2 array functions); the only Python loops walk the
adjacency graph (region growing, ``allocator.geography.synthetic_graph``), never the polygons.
Coordinates are British National Grid metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from shapely import Polygon

OUTLINE_AREA_KM2 = 130_000.0
"""Area of the mainland outline (England is about 130,300 km2)."""

ISLAND_AREA_KM2 = 16.0
"""A small island off the south-west tip: one tiny unitary authority (an Isles of Scilly-like outlier)."""

GRID_M = 1.0
"""Coordinates are snapped to this grid, so that neighbours share identical vertices."""

# A hand-drawn England-like coastline and land border (km, British National Grid), clockwise from
# the north-east. Not a real boundary: the synthetic areas only need a plausible shape and size.
_OUTLINE_KM = [
    (400, 655), (420, 635), (427, 605), (437, 570), (441, 555), (452, 533), (462, 524), (490, 511),
    (505, 488), (524, 470), (518, 462), (521, 445), (540, 412), (527, 408), (550, 385), (557, 362),
    (540, 346), (532, 336), (556, 326), (568, 341), (600, 343), (622, 342), (649, 322), (654, 300),
    (651, 276), (646, 257), (630, 236), (624, 220), (612, 212), (602, 204), (600, 193), (588, 185),
    (597, 176), (610, 168), (636, 171), (639, 160), (635, 146), (624, 136), (608, 117), (584, 108),
    (560, 97), (530, 103), (510, 101), (486, 94), (466, 99), (447, 100), (430, 93), (410, 90),
    (400, 78), (370, 80), (368, 70), (335, 91), (300, 80), (292, 62), (283, 38), (250, 53),
    (212, 50), (180, 22), (168, 12), (137, 24), (150, 40), (180, 62), (192, 77), (220, 106),
    (224, 127), (247, 132), (254, 147), (297, 147), (328, 150), (333, 162), (350, 178), (362, 192),
    (355, 194), (350, 213), (322, 242), (328, 272), (329, 300), (334, 330), (345, 345), (340, 366),
    (328, 382), (322, 392), (334, 398), (332, 418), (330, 437), (333, 449), (346, 462), (321, 470),
    (306, 484), (296, 512), (300, 528), (304, 540), (312, 554), (330, 563), (338, 568), (356, 577),
    (364, 600), (378, 620), (390, 640),
]  # fmt: skip
_OUTLINE_SEED = 20_240_501
"""Seed of the outline's roughening: fixed, so every seed and size shares the same outline."""


@dataclass(frozen=True)
class Outline:
    mainland: Polygon
    island: Polygon

    @property
    def area_m2(self) -> float:
        return float(self.mainland.area + self.island.area)


@cache
def outline() -> Outline:
    """The fixed outline: an England-like mainland of 130,000 km2 and a small island off its tip."""
    rng = np.random.default_rng(_OUTLINE_SEED)
    pts = np.asarray(_OUTLINE_KM, dtype=float) * 1000.0
    centre = pts.mean(axis=0)
    pts = centre + (pts - centre) * np.sqrt(OUTLINE_AREA_KM2 * 1e6 / Polygon(pts).area)
    for _ in range(3):  # midpoint displacement: a coastline-like wiggle
        nxt = np.roll(pts, -1, axis=0)
        seg = nxt - pts
        normal = np.column_stack([-seg[:, 1], seg[:, 0]])
        mid = (pts + nxt) / 2 + normal * rng.uniform(-0.12, 0.12, size=(len(pts), 1))
        pts = np.column_stack([pts, mid]).reshape(-1, 2)
    mainland = shapely.set_precision(Polygon(pts), GRID_M)
    # scale once more so that the area is exact after the roughening (to the grid)
    c = np.asarray(mainland.centroid.coords[0])
    k = np.sqrt(OUTLINE_AREA_KM2 * 1e6 / mainland.area)
    mainland = shapely.set_precision(shapely.transform(mainland, lambda xy: c + (xy - c) * k), GRID_M)
    # the island: an irregular octagon 40 km beyond the south-western tip
    xy = shapely.get_coordinates(mainland)
    tip = xy[np.argmin(xy[:, 0] + 0.5 * xy[:, 1])]
    angles = np.linspace(0, 2 * np.pi, 9)[:-1]
    radii = rng.uniform(0.8, 1.2, size=8)
    ring = np.column_stack([np.cos(angles), np.sin(angles)]) * radii[:, None]
    island = Polygon(ring)
    island = shapely.transform(island, lambda p: p * np.sqrt(ISLAND_AREA_KM2 * 1e6 / Polygon(ring).area))
    island = shapely.set_precision(_translate(island, tip[0] - 38_000.0, tip[1] - 14_000.0), GRID_M)
    if not (mainland.is_valid and island.is_valid and not mainland.intersects(island)):
        raise AssertionError("the synthetic outline is not valid")  # pragma: no cover
    return Outline(mainland, island)


def _translate(geom, dx: float, dy: float):
    return shapely.transform(geom, lambda xy: xy + np.array([dx, dy]))


# --- cores and sites -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cores:
    """Urban cores: the capital, metropolitan cores (each a disc of dense sites) and shire cities."""

    capital: np.ndarray
    """(x, y) of the capital's centre."""
    capital_radius: float
    metro: np.ndarray
    """(k, 3): x, y, radius of each metropolitan core."""
    cities: np.ndarray
    """(c, 4): x, y, spread (m), relative amplitude of each shire city's density bump."""


def _random_inside(rng, mainland, n: int, margin: float, box=None) -> np.ndarray:
    """n random points inside the mainland, at least ``margin`` from its edge, in a sub-box.

    The margin shrinks when few points meet it (a sub-box narrower than the margin)."""
    xmin, ymin, xmax, ymax = box if box is not None else mainland.bounds
    out = np.empty((0, 2))
    boundary = mainland.exterior
    shapely.prepare(mainland)
    rounds = 0
    while len(out) < n:
        cand = np.column_stack([rng.uniform(xmin, xmax, 4 * n + 16), rng.uniform(ymin, ymax, 4 * n + 16)])
        cand = cand[shapely.contains_xy(mainland, cand[:, 0], cand[:, 1])]
        d = shapely.distance(boundary, shapely.points(cand))
        out = np.vstack([out, cand[d >= margin]])
        rounds += 1
        if rounds % 20 == 0:
            margin *= 0.8
    return out[:n]


def place_cores(
    rng: np.random.Generator, mainland: Polygon, n_areas: int, metro_counts: list[int], n_cities: int
) -> Cores:
    """Seeded positions of the urban cores, spread apart and away from the coast.

    The capital keeps about two shire areas' width of land between it and the coast, so that no
    areas are cut off between the two.
    """
    area = mainland.area
    xmin, ymin, xmax, ymax = mainland.bounds
    w, h = xmax - xmin, ymax - ymin
    r_cap = np.sqrt(0.012 * area / np.pi)  # the capital covers ~1.2% of the land
    gap = float(np.clip(2.2 * np.sqrt(area / n_areas), 12_000, 45_000))
    capital = _random_inside(
        rng, mainland, 1, r_cap + gap, box=(xmin + 0.62 * w, ymin + 0.1 * h, xmax, ymin + 0.45 * h)
    )[0]
    total = max(sum(metro_counts), 1)
    radii = [np.sqrt(0.057 * area * c / total / np.pi) for c in metro_counts]
    metro: list[tuple[float, float, float]] = []
    for r in radii:
        for attempt in range(400):
            gap = 15_000 if attempt < 200 else 2_000
            p = _random_inside(rng, mainland, 1, r + 6_000, box=(xmin, capital[1] + 60_000, xmax, ymax))[0]
            far_cap = np.hypot(*(p - capital)) >= r_cap + r + 60_000 - (attempt >= 200) * 40_000
            far = all(np.hypot(p[0] - x, p[1] - y) >= r + q + gap for x, y, q in metro)
            if far_cap and far:
                break
        metro.append((p[0], p[1], r))
    cities: list[tuple[float, float, float, float]] = []
    cand = _random_inside(rng, mainland, 40 * max(n_cities, 1), 6_000)
    for p in cand:
        if len(cities) >= n_cities:
            break
        if np.hypot(*(p - capital)) < r_cap + 25_000:
            continue
        if any(np.hypot(p[0] - x, p[1] - y) < r + 15_000 for x, y, r in metro):
            continue
        if any(np.hypot(p[0] - x, p[1] - y) < 30_000 for x, y, _, _ in cities):
            continue
        cities.append((p[0], p[1], rng.uniform(5_000, 10_000), rng.uniform(3.0, 10.0)))
    return Cores(
        capital=np.asarray(capital),
        capital_radius=float(r_cap),
        metro=np.asarray(metro, dtype=float).reshape(-1, 3),
        cities=np.asarray(cities, dtype=float).reshape(-1, 4),
    )


def _disc(rng, centre, radius: float, n: int) -> np.ndarray:
    r = radius * np.sqrt(rng.uniform(0, 1, n))
    t = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)])


def sample_sites(
    rng: np.random.Generator,
    mainland: Polygon,
    cores: Cores,
    n_capital: int,
    metro_counts: list[int],
    n_shire: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Seed points: discs of dense sites for the capital and metropolitan cores, the rest by density.

    Shire sites are drawn from a mixture: uniform over the land, plus a Gaussian around each city
    (weighted by its amplitude and spread). Returns the points (n, 2) and the group of each:
    -1 capital, k >= 0 metropolitan core k, -2 shire.
    """
    parts = [_disc(rng, cores.capital, cores.capital_radius, n_capital)]
    groups = [np.full(n_capital, -1)]
    for k, (n, (x, y, r)) in enumerate(zip(metro_counts, cores.metro, strict=True)):
        parts.append(_disc(rng, (x, y), r, n))
        groups.append(np.full(n, k))
    shapely.prepare(mainland)
    xmin, ymin, xmax, ymax = mainland.bounds
    mass = np.concatenate([[mainland.area], cores.cities[:, 3] * 2 * np.pi * cores.cities[:, 2] ** 2])
    prob = mass / mass.sum()
    shire = np.empty((0, 2))
    while len(shire) < n_shire:
        m = int(1.3 * (n_shire - len(shire))) + 64
        comp = rng.choice(len(prob), size=m, p=prob)
        cand = np.column_stack([rng.uniform(xmin, xmax, m), rng.uniform(ymin, ymax, m)])
        city = comp > 0
        c = cores.cities[comp[city] - 1]
        cand[city] = c[:, :2] + rng.standard_normal((int(city.sum()), 2)) * c[:, 2:3]
        keep = shapely.contains_xy(mainland, cand[:, 0], cand[:, 1])
        keep &= np.hypot(*(cand - cores.capital).T) > cores.capital_radius
        for x, y, r in cores.metro:
            keep &= np.hypot(cand[:, 0] - x, cand[:, 1] - y) > r
        shire = np.vstack([shire, cand[keep]])
    parts.append(shire[:n_shire])
    groups.append(np.full(n_shire, -2))
    return np.vstack(parts), np.concatenate(groups)


# --- tessellation ----------------------------------------------------------------------------------


def voronoi_cells(sites: np.ndarray, mainland: Polygon, snap: bool = True) -> np.ndarray:
    """The Voronoi cell of each site, clipped to the mainland (array of polygons, in site order)."""
    xmin, ymin, xmax, ymax = mainland.bounds
    box = shapely.box(xmin - 50_000, ymin - 50_000, xmax + 50_000, ymax + 50_000)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=box, ordered=True)
    )
    if len(cells) != len(sites):
        raise AssertionError("voronoi_polygons lost a site (duplicate points?)")  # pragma: no cover
    shapely.prepare(mainland)
    inside = shapely.contains_properly(mainland, cells)
    edge = np.flatnonzero(~inside)
    cells[edge] = shapely.intersection(cells[edge], mainland)
    if snap:
        cells = shapely.set_precision(cells, GRID_M)
    return cells


def relax(
    sites: np.ndarray,
    movable: np.ndarray,
    mainland: Polygon,
    forbidden: list[tuple[float, float, float]],
    iterations: int,
) -> np.ndarray:
    """Lloyd relaxation of the movable sites (towards their cell's centroid), for more regular cells."""
    sites = sites.copy()
    for _ in range(iterations):
        cells = voronoi_cells(sites, mainland, snap=False)
        cent = shapely.get_coordinates(shapely.centroid(cells[movable]))
        ok = shapely.contains_xy(mainland, cent[:, 0], cent[:, 1])
        for x, y, r in forbidden:
            ok &= np.hypot(cent[:, 0] - x, cent[:, 1] - y) > r
        idx = np.flatnonzero(movable)[ok]
        sites[idx] = cent[ok]
    return sites


def adjacency(cells: np.ndarray, min_shared_m: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of cells sharing a boundary line: (i, j, shared length in m), i < j, sorted.

    The cells are snapped to the grid, so neighbours share identical vertices: a shared boundary is a
    run of segments found (reversed) in both cells' rings. Matching segments is exact and fast.
    """
    polys, poly_cell = shapely.get_parts(cells, return_index=True)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    cell = poly_cell[ring_poly[ring[:-1][same]]]
    lo = np.floor(xy.min(axis=0))
    ka = ((a[:, 0] - lo[0]) * 2**24 + (a[:, 1] - lo[1])).astype(np.int64)
    kb = ((b[:, 0] - lo[0]) * 2**24 + (b[:, 1] - lo[1])).astype(np.int64)
    k1, k2 = np.minimum(ka, kb), np.maximum(ka, kb)
    order = np.lexsort((cell, k2, k1))
    k1, k2, cell = k1[order], k2[order], cell[order]
    length = np.hypot(*(a[order] - b[order]).T)
    dup = (k1[1:] == k1[:-1]) & (k2[1:] == k2[:-1]) & (cell[1:] != cell[:-1])
    i, j, w = cell[:-1][dup], cell[1:][dup], length[1:][dup]
    n = len(cells)
    key = i.astype(np.int64) * n + j
    uniq, inv = np.unique(key, return_inverse=True)
    shared = np.bincount(inv, weights=w)
    keep = shared >= min_shared_m
    return (uniq // n)[keep], (uniq % n)[keep], shared[keep]
