"""``allocator geodata check PATH``: a bare boundaries file (and indicator tables against it) checked and
summarised, with no scenario; the reading and checking of each file is ``allocator.geography.check``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from allocator.errors import GeographyError, Problem
from allocator.geography.check import check_boundaries, guess_code_column, read_csv, read_polygons
from allocator.geography.derive import adjacency, isolated
from allocator.geography.validate import as_codes, check_codes, hint, listing


def _name_column(frame: pd.DataFrame, code_column: str) -> str | None:
    candidates = [f"{code_column[:-2]}NM", f"{code_column[:-2]}nm", "areanm", "name", "NAME", "area_name"]
    return next((c for c in candidates if c in frame.columns and c != code_column), None)


def check_geography_file(
    path: str | Path,
    layer: str | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
    indicators: Sequence[tuple[str | Path, str | None]] = (),
) -> dict[str, object]:
    """Check a bare boundaries file (and indicator tables against it) and summarise it.

    Args:
        path: a GeoPackage, GeoJSON, Shapefile or TopoJSON file.
        layer: its layer, when it has several.
        code_column: the GSS code column; guessed when omitted (the column of unique GSS-like values).
        name_column: the name column; guessed when omitted (``LAD24NM`` for ``LAD24CD``, ``areanm``...).
        indicators: ``(csv, code column or None)`` pairs; a table may cover more areas than the boundaries,
            but one that misses areas while holding codes the boundaries lack is reported (code vintages).

    Returns:
        rows, code and name columns, CRS, bounds (in the file's CRS), invalid geometries repaired,
        adjacency pairs, isolated areas, indicator coverage, notes and warnings (indicator tables that
        miss areas of the boundaries).

    Raises:
        GeographyError: with every problem found.
    """
    source = str(path)
    frame, problems, notes = read_polygons(Path(path), layer, "--layer")
    if frame is None:
        raise GeographyError(problems)
    code_column = code_column or guess_code_column(frame)
    if code_column is None:
        raise GeographyError(
            [Problem(source, "--code-column", "no column holds GSS codes such as E06000001; name it")]
        )
    name_column = name_column or _name_column(frame, code_column)
    values = np.asarray(frame.geometry.values, dtype=object)
    invalid = int((~shapely.is_missing(values) & ~shapely.is_empty(values) & ~shapely.is_valid(values)).sum())
    areas, more, extra = check_boundaries(
        frame, source, code_column, name_column, ("--code-column", "--name-column")
    )
    problems, notes = problems + more, notes + extra
    coverage: dict[str, str] = {}
    warnings: list[str] = []
    for csv, column in indicators:
        problems += _check_indicator(Path(csv), column, areas, coverage, warnings)
    if problems:
        raise GeographyError(problems)
    pairs = adjacency(areas.geometry)
    summary: dict[str, object] = {
        "rows": len(frame),
        "code_column": code_column,
        "name_column": name_column or "(none found)",
        "crs": frame.attrs["source_crs"],
        "bounds": [round(b, 4) for b in frame.attrs["source_bounds"]],
        "invalid_geometries_repaired": invalid,
        "adjacency_pairs": len(pairs),
        "isolated_areas": isolated(list(areas.index), pairs),
        **coverage,
    }
    if notes:
        summary["notes"] = notes
    if warnings:
        summary["warnings"] = warnings
    return summary


def _check_indicator(
    path: Path, column: str | None, areas: gpd.GeoDataFrame | None, coverage: dict, warnings: list[str]
) -> list[Problem]:
    """Codes of one indicator table against the boundaries; adds a coverage line to ``coverage``, and a
    warning to ``warnings`` when some areas have no row."""
    frame, problems = read_csv(path, [column] if column else [])
    if frame is None or areas is None:
        return problems
    known = set(areas.index)
    column = column or guess_code_column(frame, known)
    if column is None or column not in frame.columns:
        wanted = (
            f"no column '{column}'{hint(column, frame.columns)}" if column else "no column holds GSS codes"
        )
        return [Problem(str(path), "code column", f"{wanted}; expected the column of GSS codes")]
    codes = as_codes(frame[column])
    problems = check_codes(codes, pd.Series("row " + frame.index.astype(str), index=frame.index), str(path))
    have = set(codes.dropna())
    matched, stray, lacking = have & known, sorted(have - known), sorted(known - have)
    if not matched:
        problems.append(
            Problem(
                str(path),
                f"column {column}",
                "no code matches the boundaries; expected the same "
                f"kind of code (the table has {listing(sorted(have), 3)})",
            )
        )
    elif stray and lacking:
        problems.append(
            Problem(
                str(path),
                f"column {column}",
                f"{len(lacking)} area(s) of the boundaries have no "
                f"row ({listing(lacking)}) while {len(stray)} code(s) match no area ({listing(stray)}): "
                "are the codes from another year's boundaries?",
            )
        )
    extra = f"; {len(stray)} more codes than the boundaries (fine)" if stray else ""
    coverage[f"indicators {path.name}"] = (
        f"{len(matched)}/{len(known)} areas have a row (column {column}){extra}"
    )
    if matched and lacking and not stray:
        warnings.append(
            f"{path}: {len(lacking)} of the {len(known)} areas have no row ({listing(lacking, 5)}); a "
            "scenario using this table must select only areas it covers"
        )
    return problems
