"""Derived tables: adjacency, area, parents by containment, dissolving, and the funding tables.

Geometry stops here (STYLE.md 4.2): every function returns plain pandas tables keyed by area code, except
``dissolve``, which also returns the merged polygons for maps. Geometries are expected in a projected CRS
in metres (EPSG:27700); a geographic input is reprojected first. The funding tables (an illustrative
baseline, own resources grown from a column, regrouping onto dissolved areas) are derived from the areas.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from allocator.geography import CRS

ADJACENCY_TOLERANCE_M = 50.0
"""Boundaries closer than this count as touching.

Generalised boundaries simplified or clipped polygon by polygon leave slivers and gaps of metres to tens of
metres between neighbours; 50 m absorbs those and stays well below the width of the estuaries that
separate areas that are not neighbours. Checked on the real data (tests/geography/test_real_data.py):
the ONS LAD 2024 BUC file shares every edge exactly (907 UK pairs, 771 English, the same at 0 m); on the
super-generalised ONS BSC TopoJSON, 50 m finds 753 of those 771 English pairs and no false one. The 18
it misses face each other across estuaries and the Thames, which BSC clips 170-400 m wide, where the
BUC boundary runs mid-river.
"""

MIN_SHARED_M = 50.0
"""Pairs that share no exact edge must share at least this much boundary (within the tolerance)."""


def _projected(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    if geometry.crs is not None and geometry.crs.is_geographic:
        return geometry.to_crs(CRS)
    return geometry


def _shared_segments(boundary: np.ndarray, grid_m: float = 1e-3) -> tuple[pd.DataFrame, np.ndarray]:
    """Boundary shared exactly (segment for segment) by pairs of polygons, and what no one shares.

    Topologically built boundaries (ONS BUC, the synthetic generator) give neighbours identical vertices
    along their common edge, so sorting every boundary segment by its rounded end points pairs them up
    in one pass: far faster than intersecting boundaries pair by pair.

    Returns:
        ``left``, ``right`` (polygon positions, left < right) and ``exact`` (shared length, m); and the
        "free" boundary of each polygon: the part no other polygon shares exactly (coast, gaps, slivers,
        edges drawn with other vertices), as the boundary itself, an empty geometry, or a new MultiLineString.
    """
    parts, owner = shapely.get_parts(boundary, return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]
    start, end, poly = xy[:-1][same], xy[1:][same], owner[part[:-1]][same]
    length = np.hypot(*(end - start).T)
    p, q = np.rint(start / grid_m).astype(np.int64), np.rint(end / grid_m).astype(np.int64)
    swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    key = np.hstack([np.where(swap[:, None], q, p), np.where(swap[:, None], p, q)])
    # One sort on a 64-bit hash of the four coordinates (wrapping multiplication) instead of a
    # four-key lexsort; equal neighbours in that order are then compared on the full key.
    mix = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.int64)
    order = np.argsort(np.bitwise_xor.reduce(key * mix, axis=1), kind="stable")
    key, poly, length = key[order], poly[order], length[order]
    match = (key[1:] == key[:-1]).all(axis=1) & (poly[1:] != poly[:-1]) & (length[1:] > 0)
    a, b = poly[:-1][match], poly[1:][match]
    pairs = pd.DataFrame({"left": np.minimum(a, b), "right": np.maximum(a, b), "exact": length[1:][match]})
    pairs = pairs.groupby(["left", "right"], as_index=False)["exact"].sum()
    shared = np.zeros(len(key), dtype=bool)
    shared[:-1] |= match
    shared[1:] |= match
    free = boundary.copy()
    any_shared = np.bincount(poly[shared], minlength=len(boundary)) > 0
    any_free = np.bincount(poly[~shared], minlength=len(boundary)) > 0
    free[any_shared & ~any_free] = shapely.MultiLineString()
    mixed = np.flatnonzero(any_shared & any_free)
    if len(mixed):
        keep = np.flatnonzero(~shared & np.isin(poly, mixed))
        keep = keep[np.argsort(poly[keep], kind="stable")]
        lines = shapely.linestrings(np.stack([start[order][keep], end[order][keep]], axis=1))
        free[mixed] = shapely.multilinestrings(lines, indices=np.searchsorted(mixed, poly[keep]))
    return pairs, free


def adjacency(
    geometry: gpd.GeoSeries,
    tolerance_m: float = ADJACENCY_TOLERANCE_M,
    min_shared_m: float = MIN_SHARED_M,
) -> pd.DataFrame:
    """Pairs of areas whose boundaries share a line of positive length (not just a point).

    Two ways, both vectorised (no N^2 loop):

    1. Exact: boundary segments that two polygons share vertex for vertex (``_shared_segments``).
       Topologically clean files (ONS BUC, the synthetic generator) are settled here.
    2. Tolerant, for the other pairs within ``tolerance_m`` of each other (one bulk ``shapely.STRtree``
       query), on their *free* boundary only (the part no polygon shares exactly; all of it in a file
       with slivers): the mean length of each free boundary lying within ``tolerance_m`` of the other
       polygon, less ``2 * tolerance_m``. The subtraction removes the stubs of the edges meeting the
       shared stretch at either end, so two squares meeting only at a corner score 0 and a shared edge
       of length L, even broken by slivers or gaps, scores about L. Such a pair is a neighbour pair from
       ``min_shared_m``. Counting free boundary only keeps out areas that meet at a point, or come close,
       with a third area between them. With ``tolerance_m = 0`` the free boundaries of touching pairs
       are intersected exactly instead.

    Args:
        geometry: polygons indexed by area code, in metres (a geographic CRS is reprojected to EPSG:27700).
        tolerance_m: how far apart two boundaries may be and still count as shared.
        min_shared_m: the shortest tolerant shared boundary that makes a pair neighbours.

    Returns:
        ``area_code``, ``neighbour_code`` (``area_code < neighbour_code``), ``shared_km``, sorted by both codes.
    """
    geometry = _projected(geometry)
    codes = np.asarray(geometry.index.astype(str), dtype=object)
    geoms = np.asarray(geometry.values, dtype=object)
    out = pd.DataFrame({"area_code": [], "neighbour_code": [], "shared_km": []}).astype(
        {"area_code": object, "neighbour_code": object, "shared_km": float}
    )
    if len(geoms) < 2:
        return out
    exact, free = _shared_segments(shapely.boundary(geoms))
    # Candidates: bounding boxes within the tolerance (one bulk STRtree query), less the exact pairs,
    # then the exact distance test on what is left (cheaper than a predicate query over every pair).
    bounds = shapely.bounds(geoms)
    boxes = shapely.box(*(bounds[:, :2] - tolerance_m).T, *(bounds[:, 2:] + tolerance_m).T)
    left, right = shapely.STRtree(geoms).query(boxes)
    keep = left < right
    rest = pd.DataFrame({"left": left[keep], "right": right[keep]})
    rest = rest.merge(exact[["left", "right"]], how="left", indicator=True)
    rest = rest[(rest["_merge"] == "left_only").to_numpy()]
    i, j = rest["left"].to_numpy(), rest["right"].to_numpy()
    shapely.prepare(geoms)
    near = shapely.dwithin(geoms[i], geoms[j], tolerance_m)
    i, j = i[near], j[near]
    if tolerance_m > 0:
        needed = np.union1d(i, j)
        buffered = np.empty(len(geoms), dtype=object)
        buffered[needed] = shapely.buffer(geoms[needed], tolerance_m, quad_segs=2)  # corners need no detail
        near_i = shapely.length(shapely.intersection(free[i], buffered[j]))
        near_j = shapely.length(shapely.intersection(free[j], buffered[i]))
        shared = np.maximum((near_i + near_j) / 2.0 - 2.0 * tolerance_m, 0.0)
        found = shared >= min_shared_m
    else:
        shared = shapely.length(shapely.intersection(free[i], free[j]))
        found = shared > 0
    tolerant = pd.DataFrame({"left": i[found], "right": j[found], "exact": shared[found]})
    pairs = pd.concat([exact, tolerant], ignore_index=True)
    if pairs.empty:
        return out
    a, b = codes[pairs["left"].to_numpy()], codes[pairs["right"].to_numpy()]
    out = pd.DataFrame(
        {
            "area_code": np.where(a < b, a, b),
            "neighbour_code": np.where(a < b, b, a),
            "shared_km": pairs["exact"].to_numpy() / 1000.0,
        }
    )
    return out.sort_values(["area_code", "neighbour_code"], ignore_index=True)


def isolated(codes: Sequence[str], pairs: pd.DataFrame) -> list[str]:
    """Areas with no neighbour (islands, exclaves, or areas whose neighbours are not in the data)."""
    linked = set(pairs["area_code"]) | set(pairs["neighbour_code"])
    return sorted(c for c in codes if c not in linked)


def area_km2(geometry: gpd.GeoSeries) -> pd.Series:
    """Area of each polygon in km² (computed in EPSG:27700)."""
    geometry = _projected(geometry)
    return pd.Series(shapely.area(np.asarray(geometry.values)) / 1e6, index=geometry.index, name="area_km2")


def containing_parent(geometry: gpd.GeoSeries, parents: gpd.GeoSeries) -> pd.Series:
    """The parent polygon containing each area's representative point (NaN when none does).

    A representative point (``point_on_surface``) always lies inside its own polygon, unlike a centroid.
    Where parents overlap, the parent covering most of the area wins. Where no parent contains the point,
    as happens when the parent file is generalised differently from the areas, the parent covering at
    least half of the area is taken instead.

    Args:
        geometry: area polygons indexed by area code.
        parents: parent polygons indexed by parent code, in the same CRS.

    Returns:
        The parent code of each area, indexed like ``geometry``.
    """
    geoms = np.asarray(_projected(geometry).values, dtype=object)
    parent_geoms = np.asarray(_projected(parents).values, dtype=object)
    parent_codes = np.asarray(parents.index.astype(str), dtype=object)
    result = np.full(len(geoms), None, dtype=object)
    if len(geoms) == 0 or len(parent_geoms) == 0:
        return pd.Series(result, index=geometry.index, dtype=object)
    tree = shapely.STRtree(parent_geoms)
    areas, hits = tree.query(shapely.point_on_surface(geoms), predicate="within")
    unmatched = np.setdiff1d(np.arange(len(geoms)), areas)
    extra_areas, extra_hits = tree.query(geoms[unmatched], predicate="intersects")
    candidates = pd.DataFrame(
        {
            "area": np.concatenate([areas, unmatched[extra_areas]]),
            "parent": np.concatenate([hits, extra_hits]),
            "by_point": np.repeat([True, False], [len(areas), len(extra_areas)]),
        }
    )
    # Overlaps are computed only where they decide something: several parents, or no containing one.
    count = candidates.groupby("area")["parent"].transform("size")
    decide = (count > 1) | ~candidates["by_point"]
    chosen = candidates[~decide].assign(overlap=np.inf)
    contested = candidates[decide].copy()
    area_of = contested["area"].to_numpy()
    overlap = shapely.area(shapely.intersection(geoms[area_of], parent_geoms[contested["parent"].to_numpy()]))
    contested["overlap"] = overlap
    share = overlap / np.maximum(shapely.area(geoms[area_of]), 1e-9)
    contested = contested[contested["by_point"].to_numpy() | (share >= 0.5)]
    best = pd.concat([chosen, contested]).sort_values(["area", "overlap"], ascending=[True, False])
    best = best.drop_duplicates("area")
    result[best["area"].to_numpy()] = parent_codes[best["parent"].to_numpy()]
    return pd.Series(result, index=geometry.index, dtype=object)


def _name_column(by: str, columns: pd.Index) -> str | None:
    """The name column that goes with a code column (``UTLA24CD`` -> ``UTLA24NM``), if the areas have it."""
    if by.endswith("CD") and f"{by[:-2]}NM" in columns:
        return f"{by[:-2]}NM"
    if by.endswith("cd") and f"{by[:-2]}nm" in columns:
        return f"{by[:-2]}nm"
    return None


def dissolve(
    areas: pd.DataFrame,
    geometry: gpd.GeoSeries,
    by: str,
    population_column: str,
    sum_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, gpd.GeoSeries, pd.Series]:
    """Merge areas into the parent named by their ``by`` attribute.

    Polygons are unioned; the population and ``sum_columns`` are summed; other numeric columns become
    population-weighted means (over the members that have a value); text and boolean columns keep their
    value where every member agrees and are blank otherwise. An area with a blank ``by`` stays as it is.
    The merged area's name comes from the name column matching ``by`` (``CAUTH24CD`` -> ``CAUTH24NM``),
    else from its only member, else it is the code.

    Args:
        areas: area attributes indexed by area code, with ``area_name`` and the population column.
        geometry: polygons indexed by area code.
        by: the attribute holding each area's parent code.
        population_column: summed, and the weight of the means.
        sum_columns: further columns to sum (e.g. counts or £ amounts).

    Returns:
        The merged areas (indexed and sorted by the new code), their polygons, and the new code of each
        original area (indexed by the original code).
    """
    value = areas[by]
    blank = value.isna() | (value.astype(str).str.strip() == "")
    key = pd.Series(np.where(blank, areas.index, value.astype(str)), index=areas.index, name="area_code")
    grouped = areas.groupby(key, sort=True)
    weight = pd.to_numeric(areas[population_column], errors="coerce")
    summed = {population_column, *sum_columns}
    columns: dict[str, pd.Series] = {}
    for column in areas.columns:
        series = areas[column]
        if column in summed:
            columns[column] = grouped[column].sum(min_count=1)
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            weights = weight.where(series.notna())
            columns[column] = (series * weight).groupby(key).sum(min_count=1) / weights.groupby(key).sum()
        else:
            agreed = grouped[column].nunique(dropna=True) <= 1
            columns[column] = grouped[column].first().where(agreed)
    merged = pd.DataFrame(columns)
    merged[by] = merged.index
    members = key.value_counts()
    name_column = _name_column(by, areas.columns)
    names = merged[name_column] if name_column else pd.Series(np.nan, index=merged.index)
    single = members.reindex(merged.index) == 1
    names = names.where(names.notna(), merged["area_name"].where(single))
    merged["area_name"] = names.where(names.notna(), merged.index.to_series())
    merged.index.name = "area_code"
    frame = gpd.GeoDataFrame(
        {"key": key.to_numpy()}, geometry=geometry.reindex(areas.index).values, crs=geometry.crs
    )
    polygons = frame.dissolve(by="key").geometry.reindex(merged.index)
    polygons.index.name = "area_code"
    return merged, polygons, key


# --- funding tables --------------------------------------------------------------------------------

NEED_TILT_FLOOR = 0.1
"""Smallest need tilt ``1 + elasticity * z`` of an illustrative baseline, so every area gets a positive amount."""


def regroup(long: pd.DataFrame, key: pd.Series, by: str) -> pd.DataFrame:
    """Sum a long table (``area_code``, ``by``, ``amount_gbp``) onto merged areas (``key``: old -> new code)."""
    merged = long.assign(area_code=long["area_code"].map(key))
    return merged.dropna(subset=["area_code"]).groupby(["area_code", by], as_index=False)["amount_gbp"].sum()


def baseline_grid(long: pd.DataFrame, codes: Sequence[str], streams: Sequence[str]) -> pd.DataFrame:
    """Every area and stream (sorted), £0 where the long table has no row."""
    grid = pd.MultiIndex.from_product([sorted(codes), sorted(streams)], names=["area_code", "stream"])
    amounts = long.groupby(["area_code", "stream"])["amount_gbp"].sum().reindex(grid, fill_value=0.0)
    return amounts.astype(float).reset_index()


def illustrative_baseline(
    areas: pd.DataFrame,
    total_gbp: float,
    shares: dict[str, float],
    need_column: str | None = None,
    elasticity: float = 0.3,
) -> pd.DataFrame:
    """An illustrative baseline, for data with no real baseline by stream: not anyone's actual funding.

    Math:
        base[a, s] = total_gbp * share[s] * p[a] * tilt[a] / sum_b(p[b] * tilt[b]),
        tilt[a] = max(NEED_TILT_FLOOR, 1 + elasticity * z[a]), z = (v - mean(v)) / sd(v) over the areas,
        where v is the need column (higher = more need), z = 0 without one (or when v does not vary).

    The floor keeps every area's baseline positive when a low-need area lies far below the mean.

    Args:
        areas: indexed by area code, with ``population`` and the need column.
        total_gbp: the national total across every stream.
        shares: each stream's share of the total (summing to 1).
        need_column: area attribute tilting the per-head amount.
        elasticity: how strongly need tilts it.

    Returns:
        ``area_code``, ``stream``, ``amount_gbp`` for every area and stream, sorted.
    """
    tilt = pd.Series(1.0, index=areas.index)
    if need_column is not None:
        need = pd.to_numeric(areas[need_column], errors="coerce").astype(float)
        spread = need.std(ddof=0)
        if spread > 0:
            tilt = (1.0 + elasticity * (need - need.mean()) / spread).clip(lower=NEED_TILT_FLOOR)
    weight = areas["population"].astype(float) * tilt
    area_share = weight / weight.sum()
    streams = sorted(shares)
    amounts = np.outer(area_share.to_numpy(), [total_gbp * shares[s] for s in streams])
    grid = pd.DataFrame(amounts, index=areas.index, columns=pd.Index(streams, name="stream"))
    grid.index.name = "area_code"
    return grid.sort_index().stack().rename("amount_gbp").reset_index()


def own_resources_grid(long: pd.DataFrame, codes: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """Own resources of every area and scenario year (sorted), from a long table that covers them, and of
    the year before the first when the table has it (the base of a first-year spending-power floor)."""
    years = list(years)
    if (long["year"] == years[0] - 1).any():
        years = [years[0] - 1, *years]
    grid = pd.MultiIndex.from_product([sorted(codes), years], names=["area_code", "year"])
    amounts = long.groupby(["area_code", "year"])["amount_gbp"].sum().reindex(grid)
    return amounts.astype(float).reset_index()


def grown_own_resources(
    values: pd.DataFrame, rates: dict[str, float], years: Sequence[int], base_year: int | None = None
) -> pd.DataFrame:
    """Own resources grown from the base year's amounts, for the year before the first scenario year and
    every scenario year.

    Math:
        own[a, t] = sum_c values[c][a] * (1 + rates[c]) ** (t - base_year),
        base_year defaulting to the year before the first scenario year.

    Args:
        values: the base year's amounts (£) of each column in ``rates``, indexed by area code.
        rates: column -> annual growth (e.g. 0.0499, the council tax referendum limit with the adult
            social care precept).
        years: the scenario years.
        base_year: the year of ``values`` (2023 = 2023-24).
    """
    first = years[0]
    base = first - 1 if base_year is None else base_year
    rows = {
        y: sum(values[c].astype(float) * (1.0 + g) ** (y - base) for c, g in rates.items())
        for y in [first - 1, *years]
    }
    frame = pd.DataFrame(rows).sort_index()
    frame.index.name = "area_code"
    frame.columns.name = "year"
    return frame.stack().rename("amount_gbp").reset_index().astype({"year": int})
