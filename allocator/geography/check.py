"""Read one geography file and check it on its own: a boundaries file or a CSV table.

Used twice: by ``allocator geodata check PATH`` (``allocator.geography.check_file``: a bare boundaries
file and optional indicator tables, no scenario needed) and by the first pass of ``load_geography``,
which reads every file a scenario names with these functions before joining them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from allocator.errors import Problem
from allocator.geography import CRS
from allocator.geography.validate import (
    GSS,
    as_codes,
    check_codes,
    check_columns,
    check_selector,
    hint,
    listing,
)
from allocator.paths import BOUNDARY_KINDS, BOUNDARY_SUFFIXES, TABLE_SUFFIXES, readable_problem
from allocator.safe_text import excerpt
from allocator.schema import TableSource
from allocator.selectors import select

FORMATS = BOUNDARY_KINDS
RESERVED = {"area_code", "area_name", "geometry", "_row", "_feature"}
"""Names a table may not bring in: the keys and bookkeeping columns of the areas."""


def _failed(source: str, location: str, message: str) -> tuple[None, list[Problem], list[str]]:
    return None, [Problem(source, location, message)], []


def _lon_lat(bounds: list[float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def read_polygons(path: Path, layer: str | None, layer_field: str = "geography.layer"):
    """Read a boundaries file and reproject it to EPSG:27700.

    A file without a CRS is taken as EPSG:4326 when its coordinates look like longitude/latitude (ONS
    TopoJSON has none), or as EPSG:27700 when they look like British National Grid metres; either
    assumption is reported in the notes. ``frame.attrs`` keeps the file's own CRS and bounds.

    Args:
        path: the boundaries file.
        layer: layer of a GeoPackage or TopoJSON file; needed when the file has several.
        layer_field: the field or option naming the layer, for messages.

    Returns:
        ``(frame or None, problems, notes)``.
    """
    source = str(path)
    unreadable = readable_problem(Path(path), BOUNDARY_SUFFIXES, FORMATS)
    if unreadable:
        return _failed(source, "", unreadable)
    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
        if layer is None and len(layers) > 1:
            return _failed(
                source, layer_field, f"the file has {len(layers)} layers ({listing(layers)}); name one"
            )
        if layer is not None and layer not in layers:
            return _failed(source, layer_field, f"no layer '{layer}' in this file{hint(layer, layers)}")
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # GDAL raises many kinds of error for a file it cannot parse
        return _failed(
            source,
            "",
            f"cannot be read ({excerpt(str(exc).strip() or type(exc).__name__)}); expected {FORMATS}",
        )
    if frame.empty:
        return _failed(source, "", "the file has no features; expected one polygon per area")
    notes: list[str] = []
    bounds = [float(b) for b in frame.total_bounds]
    if not all(np.isfinite(bounds)):
        return _failed(source, "", "some coordinates are not finite numbers; expected real coordinates")
    if frame.crs is not None and frame.crs.is_geographic and not _lon_lat(bounds):
        return _failed(
            source,
            "",
            f"the file says its CRS is {frame.crs.to_string()} (longitude and latitude in degrees), but its "
            f"coordinates run from ({bounds[0]:,.0f}, {bounds[1]:,.0f}) to ({bounds[2]:,.0f}, {bounds[3]:,.0f}), "
            "beyond +/-180 and +/-90: they look like metres (British National Grid, EPSG:27700?); "
            "expected the file to state the CRS its coordinates are in",
        )
    if frame.crs is None:
        minx, miny, maxx, maxy = bounds
        if _lon_lat(bounds):
            frame = frame.set_crs("EPSG:4326")
            notes.append(
                f"{source}: the file has no CRS; its coordinates look like lon/lat, so EPSG:4326 is assumed"
            )
        elif 0 <= minx <= maxx <= 700_000 and 0 <= miny <= maxy <= 1_300_000:
            frame = frame.set_crs(CRS)
            notes.append(
                f"{source}: the file has no CRS; its coordinates look like British National Grid, {CRS} assumed"
            )
        else:
            return _failed(
                source,
                "",
                "the file has no CRS and its coordinates are neither lon/lat nor British "
                "National Grid; expected a file that states its CRS",
            )
        crs = f"none in the file ({frame.crs.to_string()} assumed)"
    else:
        crs = frame.crs.to_string()
    frame = frame.to_crs(CRS)
    frame.attrs.update(source_crs=crs, source_bounds=bounds)
    return frame, [], notes


def repair_geometries(
    geometry: gpd.GeoSeries, labels: pd.Series, source: str
) -> tuple[gpd.GeoSeries, list[Problem], list[str]]:
    """Make invalid polygons valid (a note, not an error); report empty and non-polygonal geometries.

    Returns:
        The repaired geometry, the problems, and notes naming the repaired features.
    """
    values = np.asarray(geometry.values, dtype=object)
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    problems = [
        Problem(source, labels.iloc[i], "the geometry is empty; expected a polygon")
        for i in np.flatnonzero(missing)
    ]
    kinds = shapely.get_type_id(values)
    polygonal = np.isin(kinds, [3, 6]) | missing  # Polygon, MultiPolygon
    problems += [
        Problem(source, labels.iloc[i], f"the geometry is a {values[i].geom_type}; expected a polygon")
        for i in np.flatnonzero(~polygonal & (kinds != 7))
    ]
    invalid = ~missing & ~shapely.is_valid(values)
    notes: list[str] = []
    if invalid.any():
        fixed = shapely.make_valid(values[invalid], method="structure", keep_collapsed=False)
        values = values.copy()
        values[invalid] = fixed
        names = [labels.iloc[i] for i in np.flatnonzero(invalid)]
        notes.append(
            f"{source}: {len(names)} invalid geometr{'y' if len(names) == 1 else 'ies'} made valid with "
            f"shapely.make_valid: {listing(names)}"
        )
    collections = np.flatnonzero(shapely.get_type_id(values) == 7)
    for i in collections:
        # a collection (e.g. from make_valid) keeps its polygonal parts; one without any is an error
        parts = [g for g in shapely.get_parts(values[i]) if g.geom_type in ("Polygon", "MultiPolygon")]
        if parts:
            values[i] = shapely.union_all(parts)
        else:
            problems.append(
                Problem(source, labels.iloc[i], "the geometry has no polygon in it; expected a polygon")
            )
    return gpd.GeoSeries(values, index=geometry.index, crs=geometry.crs), problems, notes


def check_boundaries(
    frame: gpd.GeoDataFrame,
    source: str,
    code_column: str,
    name_column: str | None,
    fields: tuple[str, str] = ("geography.code_column", "geography.name_column"),
):
    """Check the codes and geometries of boundaries; rename their code/name columns.

    Args:
        frame: as read by ``read_polygons``.
        source: the file, for messages.
        code_column: becomes the index ``area_code``.
        name_column: becomes ``area_name`` (not required when None).
        fields: the fields or options naming the two columns, for messages.

    Returns:
        ``(frame or None, problems, notes)``: the frame is indexed by ``area_code`` and has ``_feature``
        (``feature N (CODE)``, N counting from 1) for messages.
    """
    wanted = {code_column: fields[0], **({name_column: fields[1]} if name_column else {})}
    problems = check_columns(list(frame.columns), wanted, source)
    if code_column not in frame.columns:
        return None, problems, []
    frame = frame.reset_index(drop=True)
    codes = as_codes(frame[code_column])
    labels = pd.Series([f"feature {i + 1}" for i in range(len(frame))])
    problems += check_codes(codes, labels, source, unit="feature")
    labels = labels + " (" + codes.fillna("?").astype(str) + ")"
    geometry, more, notes = repair_geometries(frame.geometry, labels, source)
    frame = frame.set_geometry(geometry).assign(_feature=labels)
    renames = {code_column: "area_code", **({name_column: "area_name"} if name_column else {})}
    frame = frame.drop(
        columns=[c for c in ("area_code", "area_name") if c in frame.columns and c not in renames]
    )
    frame = frame.rename(columns=renames).assign(area_code=codes)
    frame = frame[codes.notna().to_numpy()].drop_duplicates("area_code").set_index("area_code")
    return frame, problems + more, notes


def read_csv(path: Path, code_columns: Sequence[str] = (), cache: dict | None = None):
    """Read a CSV, its code columns as text, indexed by spreadsheet row number (the header is row 1).

    Returns:
        ``(frame or None, problems)``; the same result again from ``cache`` for the same file and columns.
    """
    key = (str(path), tuple(sorted(code_columns)))
    if cache is not None and key in cache:
        return cache[key]
    unreadable = readable_problem(Path(path), TABLE_SUFFIXES, "a CSV table")
    if unreadable:
        result = None, [Problem(str(path), "", unreadable)]
    else:
        result = _parse_csv(Path(path), code_columns)
    if cache is not None:
        cache[key] = result
    return result


def _parse_csv(path: Path, code_columns: Sequence[str]):
    try:
        with path.open("rb") as handle:  # a file handle: pandas infers no URL and no compression
            frame = pd.read_csv(handle, dtype={c: str for c in code_columns}, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = f"cannot be read ({excerpt(exc)}); expected a comma-separated table"
        return None, [Problem(str(path), "", message)]
    frame.index = frame.index + 2
    return frame, []


def prepare_table(frame: pd.DataFrame, source: TableSource, field: str):
    """Filter a table's rows (``where``), take and rename its columns, and index it by code.

    Returns:
        ``(table or None, problems)``: the value columns and ``_row`` (the row number), indexed by code.
    """
    path = str(source.path)
    wanted = {source.code_column: f"{field}.code_column"}
    wanted.update({csv: f"{field}.columns.{new}" for new, csv in (source.columns or {}).items()})
    problems = check_columns(list(frame.columns), wanted, path)
    problems += check_selector(frame, source.where, f"{field}.where", path, what="column")
    problems += [
        Problem(path, f"{field}.columns.{new}", f"'{new}' is a reserved name; choose another")
        for new in source.columns or {}
        if new in RESERVED
    ]
    if problems:
        return None, problems
    frame = frame[select(frame, source.where)]
    if source.where and frame.empty:
        return None, [
            Problem(path, f"{field}.where", "no row meets these conditions; expected one row per area")
        ]
    codes = as_codes(frame[source.code_column])
    problems = check_codes(codes, pd.Series("row " + frame.index.astype(str), index=frame.index), path)
    names = source.columns or {c: c for c in frame.columns if c not in RESERVED and c != source.code_column}
    table = pd.DataFrame({new: frame[csv] for new, csv in names.items()}, index=frame.index)
    table["_row"] = frame.index
    table.index = pd.Index(codes.to_numpy(), name=source.code_column)
    table = table[codes.notna().to_numpy()]
    return table[~table.index.duplicated()], problems


def guess_code_column(frame: pd.DataFrame, known: set[str] | None = None) -> str | None:
    """The column whose values look most like GSS codes (``^[EWSNK]\\d{8}$``).

    Without ``known`` codes, the first column whose values all look like codes and are unique (names
    ending in ``CD`` first); with them, the column matching most of them.
    """
    best, score = None, 0.0
    for column in frame.columns:
        if column == "geometry":
            continue
        values = as_codes(frame[column]).dropna().astype(str)
        if values.empty or not values.str.match(GSS).all():
            continue
        if known is not None:
            points = float(values.isin(known).sum())
        else:
            points = 2.0 * values.is_unique + str(column).lower().endswith("cd")
        if points > score:
            best, score = str(column), points
    return best
