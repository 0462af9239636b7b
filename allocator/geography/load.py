"""Load a scenario's geography: boundaries and CSV tables in, a checked ``Geography`` out.

Three passes, each collecting every problem it finds and raising them together as one GeographyError:

1. Read every file on its own (``boundaries``, ``lookup``, ``indicators``, parent ``boundaries``,
   ``baseline``, ``own_resources``, with ``allocator.geography.check``): readable, the named columns
   present, no blank or duplicate codes. Joining files that fail here would only repeat their problems.
2. Join the lookup, then each indicator table in order, on the area code or on ``join_on``; apply
   ``derived``; attach ``parents``; ``select`` the recipient areas; check that each recipient has a row
   in each table and a number in each column the scenario reads.
3. Check the recipients' baseline and own resources; ``dissolve_to`` a parent; mark ``integrated`` areas;
   derive area, density and adjacency.

Joining: a later table's value replaces an earlier one where it has a value; with ``fill_missing_only`` it
only fills values still missing. A table may cover more areas than the boundaries: only recipient areas
lacking a row or value matter. Each file is read once per load, however many ``where`` filters use it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from allocator.errors import GeographyError, Problem
from allocator.geography import CRS, Geography, derive, expression, funding
from allocator.geography.check import check_boundaries, prepare_table, read_csv, read_polygons
from allocator.geography.fit import check_rule_areas
from allocator.geography.validate import (
    Coverage,
    Values,
    as_codes,
    blank,
    check_coverage,
    check_selector,
    check_values,
    hint,
    listing,
)
from allocator.safe_text import excerpt
from allocator.schema import BaselineFile, OwnResourcesFile, Scenario, TableSource
from allocator.selectors import select

logger = logging.getLogger(__name__)

_SELECTOR_FIELDS = ("integrated", "rules.")
"""Fields that read columns as selectors: they need the column, not a value in every area."""


def _numeric(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Finite numbers, and the original text of the values that are not (blank counts as missing; an
    infinity is not a number any rule or mission can use)."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        empty, number = column.isna(), column.astype(float)
    else:
        empty = blank(column)
        number = pd.to_numeric(column.where(~empty).astype(object), errors="coerce").astype(float)
    number = number.where(np.isfinite(number))
    return number, column[number.isna() & ~empty].astype(str)


def _join(values: Values, table: pd.DataFrame, source: TableSource, numeric: set[str]) -> None:
    """Join one table onto the areas, recording where each value came from."""
    path, areas = str(source.path), values.areas
    keys = areas.index.to_series() if source.join_on is None else as_codes(areas[source.join_on])
    aligned = table.reindex(keys.to_numpy()).set_axis(areas.index)
    where = "row " + aligned["_row"].astype("Int64").astype("string") + " (" + keys.astype("string") + ")"
    label = pd.Series(list(zip([path] * len(where), where.astype(object), strict=True)), index=areas.index)
    label = label.where(aligned["_row"].notna().to_numpy(), None)
    fresh: dict[str, pd.Series] = {}
    for column in table.columns.drop("_row"):
        new = aligned[column]
        if column in numeric:
            new, bad = _numeric(new)
            values.non_numeric[column] = pd.concat([values.non_numeric.get(column, bad.iloc[:0]), bad])
        if column not in areas.columns:
            fresh[column] = new
            values.origin[column], values.supplier[column] = label, path
            continue
        take = new.notna() & (areas[column].isna() if source.fill_missing_only else True)
        areas[column] = new.where(take, areas[column])
        origin = label.where(take, values.origin.get(column))
        values.origin[column] = origin.where(origin.notna(), label)
        if source.fill_missing_only:
            values.fillers.setdefault(column, []).append(path)
    if fresh:
        values.areas = pd.concat([areas, pd.DataFrame(fresh, index=areas.index)], axis=1)


def _derive(values: Values, derived: dict[str, str], scenario_file: str) -> list[Problem]:
    """Add the derived columns in order (each may use the ones before it)."""
    problems = []
    for name, text in derived.items():
        where = f"geography.derived.{name}"
        try:
            values.areas[name] = expression.parse(text).evaluate(values.areas)
        except expression.ExpressionError as exc:
            extra = hint(exc.column, values.areas.columns) if exc.column else ""
            message = (
                f"cannot evaluate {excerpt(repr(text))}: {exc} at character {exc.position}{extra}; "
                "expected arithmetic (+ - * / and parentheses) on numbers, area attributes and the "
                f"functions {', '.join(expression.FUNCTIONS)}, e.g. (hle_male + hle_female) / 2"
            )
            problems.append(Problem(scenario_file, where, message))
            continue
        values.origin[name] = pd.Series(
            [(scenario_file, where)] * len(values.areas), index=values.areas.index
        )
        values.supplier[name] = scenario_file
    return problems


def _unusual_facts(scenario: Scenario, areas: pd.DataFrame) -> list[str]:
    """A note for each text figure with a ``usual`` value, naming the areas with another value."""
    notes = []
    for column, fact in scenario.geography.facts.items():
        if fact.usual is None:
            continue
        odd = areas.index[areas[column].astype(str) != fact.usual]
        if len(odd):
            names = ", ".join(str(areas.at[code, "area_name"]) for code in odd)
            notes.append(
                f"{column} of {len(odd)} of {len(areas)} areas is not '{fact.usual}' (see each area's "
                f"{column}): {names}"
            )
    return notes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sources(scenario: Scenario) -> dict[str, str]:
    """sha256 of every file the geography reads (every part of a Shapefile)."""
    spec = scenario.geography
    paths = [spec.boundaries, *(t.path for _, t in _tables(scenario))]
    paths += [p.boundaries for p in spec.parents.values() if p.boundaries is not None]
    paths += [
        f.path for f in (spec.baseline, spec.own_resources) if isinstance(f, (BaselineFile, OwnResourcesFile))
    ]
    out = {}
    for path in map(Path, paths):
        parts = [path.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
        for part in [p for p in parts if p.exists()] if path.suffix.lower() == ".shp" else [path]:
            out[str(part)] = _sha256(part)
    return out


def _tables(scenario: Scenario) -> list[tuple[str, TableSource]]:
    spec = scenario.geography
    lookup = [("geography.lookup", spec.lookup)] if spec.lookup else []
    return lookup + [(f"geography.indicators.{i}", t) for i, t in enumerate(spec.indicators)]


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise GeographyError(problems)


def _missing(areas: pd.DataFrame, column: str, source: str, field: str) -> list[Problem]:
    return (
        []
        if column in areas.columns
        else [Problem(source, field, f"no area attribute '{column}'{hint(column, areas.columns)}")]
    )


@dataclass
class _Files:
    """Every file of a geography, read and checked on its own (pass 1)."""

    boundaries: gpd.GeoDataFrame
    tables: list[tuple[str, TableSource, pd.DataFrame]]
    parents: dict[str, gpd.GeoDataFrame]
    baseline: pd.DataFrame | None
    own: pd.DataFrame | None
    notes: list[str]


def _read_files(scenario: Scenario) -> _Files:
    """Pass 1: read every file and check it on its own; raise every problem found."""
    spec, cache = scenario.geography, {}
    code_columns: dict[str, list[str]] = {}
    for _, source in _tables(scenario):
        code_columns.setdefault(str(source.path), []).append(source.code_column)
    frame, problems, notes = read_polygons(spec.boundaries, spec.layer)
    boundaries = None
    if frame is not None:
        boundaries, more, extra = check_boundaries(
            frame, str(spec.boundaries), spec.code_column, spec.name_column
        )
        problems, notes = problems + more, notes + extra
    tables = []
    for field, source in _tables(scenario):
        raw, more = read_csv(source.path, code_columns[str(source.path)], cache)
        problems += more
        if raw is not None:
            table, more = prepare_table(raw, source, field)
            problems += more
            tables.append((field, source, table))
    parents = {}
    for name, parent in spec.parents.items():
        if parent.boundaries is None:
            continue
        field = f"geography.parents.{name}"
        frame, more, extra = read_polygons(parent.boundaries, None, f"{field}.boundaries")
        problems, notes = problems + more, notes + extra
        if frame is not None:
            columns = (str(parent.boundaries), parent.code_column, None, (f"{field}.code_column", ""))
            parents[name], more, extra = check_boundaries(frame, *columns)
            problems, notes = problems + more, notes + extra
    baseline, own, more = funding.read_files(scenario, cache)
    _raise(problems + more)
    return _Files(boundaries, tables, parents, baseline, own, notes)


def _join_files(
    scenario: Scenario, files: _Files, numeric: set[str]
) -> tuple[Values, list[Coverage], list[Problem]]:
    """Pass 2a: the boundaries' attributes, then every table joined in order, then derived and parents."""
    spec, problems = scenario.geography, []
    boundaries = files.boundaries
    values = Values(areas=pd.DataFrame(boundaries.drop(columns=["geometry", "_feature"])))
    feature = pd.Series([(str(spec.boundaries), f) for f in boundaries["_feature"]], index=boundaries.index)
    for column in list(values.areas.columns):
        values.origin[column], values.supplier[column] = feature, str(spec.boundaries)
        if column in numeric:
            values.areas[column], values.non_numeric[column] = _numeric(values.areas[column])
    coverage: list[Coverage] = []
    for field, source, table in files.tables:
        if source.join_on is not None and source.join_on not in values.areas.columns:
            problems += _missing(values.areas, source.join_on, str(source.path), f"{field}.join_on")
            continue
        _join(values, table, source, numeric)
        key, columns = source.join_on or "area_code", list(table.columns.drop("_row"))
        coverage.append(Coverage(str(source.path), key, set(table.index), columns, source.fill_missing_only))
    problems += _derive(values, spec.derived, _scenario_file(scenario))
    for name, parent in spec.parents.items():
        if parent.column is None:
            found = derive.containing_parent(boundaries.geometry, files.parents[name].geometry)
            values.areas[f"parent_{name}"] = as_codes(found)
        elif parent.column in values.areas.columns:
            values.areas[f"parent_{name}"] = as_codes(values.areas[parent.column])
        else:
            where = f"geography.parents.{name}.column"
            problems += _missing(values.areas, parent.column, _scenario_file(scenario), where)
    return values, coverage, problems


def _select(
    scenario: Scenario,
    values: Values,
    coverage: list[Coverage],
    numeric: set[str],
    files: _Files,
    problems: list[Problem],
) -> pd.Index:
    """Pass 2b: the recipient areas; raises the problems of joining, selecting, values and funding."""
    spec, used, scenario_file = scenario.geography, scenario.used_columns(), _scenario_file(scenario)
    areas, problems = values.areas, list(problems)
    selectable = areas.assign(area_code=areas.index)  # selectors may name areas by code
    problems += check_selector(selectable, spec.select, "geography.select", scenario_file)
    problems += check_selector(selectable, scenario.integrated or {}, "integrated", scenario_file)
    for column, field in used.items():
        if field.startswith("rules."):
            problems += _missing(selectable, column, scenario_file, f"{field}.{column}")
    if spec.dissolve_to is not None:
        problems += _missing(areas, spec.dissolve_to, scenario_file, "geography.dissolve_to")
    for column in spec.sum_columns:
        problems += _missing(areas, column, scenario_file, "geography.sum_columns")
    for column in spec.facts:
        problems += _missing(areas, column, scenario_file, f"geography.facts.{column}")
    _raise(problems)
    mask = select(selectable, spec.select)
    if not mask.any():
        seen = "; ".join(
            f"{c} has {listing(sorted(map(str, selectable[c].dropna().unique())), 5)}" for c in spec.select
        )
        _raise(
            [
                Problem(
                    scenario_file,
                    "geography.select",
                    f"selects none of the {len(areas)} areas ({seen}); expected at least one",
                )
            ]
        )
    recipients = areas.index[mask]
    no_row: dict[str, set[str]] = {}
    for table in coverage:
        keys = areas.index.to_series() if table.key == "area_code" else as_codes(areas[table.key])
        more, lacking = check_coverage(keys.loc[recipients], table, set(keys.dropna()))
        problems += more
        for column in table.columns:
            no_row.setdefault(column, set()).update(lacking)
    value_used = {c: f for c, f in used.items() if not f.startswith(_SELECTOR_FIELDS)}
    args = (recipients, value_used, numeric, no_row, spec.derived, spec.population_column, scenario_file)
    problems += check_values(values, *args)
    sources = (
        str(spec.baseline.path) if isinstance(spec.baseline, BaselineFile) else "",
        str(spec.own_resources.path) if isinstance(spec.own_resources, OwnResourcesFile) else "",
    )
    problems += funding.check_funding_coverage(files.baseline, files.own, recipients, scenario.years, sources)
    _raise(problems)
    return recipients


def _numeric_columns(scenario: Scenario) -> set[str]:
    """Columns that must hold numbers: those the scenario reads as values, sums, and their derived inputs."""
    spec, used = scenario.geography, scenario.used_columns()
    numeric = {
        c for c, f in used.items() if not f.startswith(_SELECTOR_FIELDS) and f != "geography.tier_column"
    }
    numeric |= set(spec.sum_columns)
    for name in reversed(list(spec.derived)):
        if name in numeric:
            numeric |= set(expression.columns_in(spec.derived[name]))
    return numeric


def _scenario_file(scenario: Scenario) -> str:
    return (scenario.provenance.file if scenario.provenance else None) or "<scenario>"


def load_geography(scenario: Scenario) -> Geography:
    """Read, join, check and derive the geography of a scenario.

    Args:
        scenario: a validated scenario; its ``geography`` section names the files.

    Returns:
        The recipient areas as plain tables (see ``Geography``), sorted by area code.

    Raises:
        GeographyError: every problem found, each naming the file, the field or row, and what is expected.
    """
    started = time.perf_counter()
    spec = scenario.geography
    numeric = _numeric_columns(scenario)
    files = _read_files(scenario)
    values, coverage, problems = _join_files(scenario, files, numeric)
    recipients = _select(scenario, values, coverage, numeric, files, problems)

    # Pass 3: dissolve, integrated settlements, funding, area, density and adjacency.
    areas, geometry = values.areas.loc[recipients].copy(), files.boundaries.geometry.loc[recipients]
    baseline_long, own_long, notes = files.baseline, files.own, files.notes
    if spec.dissolve_to is not None:
        members = len(areas)
        areas, geometry, key = derive.dissolve(
            areas, geometry, spec.dissolve_to, spec.population_column, spec.sum_columns
        )
        baseline_long = derive.regroup(baseline_long, key, "stream") if baseline_long is not None else None
        own_long = derive.regroup(own_long, key, "year") if own_long is not None else None
        notes.append(f"{members} areas dissolved into {len(areas)} by {spec.dissolve_to}")
    areas["population"] = pd.to_numeric(areas[spec.population_column], errors="coerce").astype(float)
    if spec.tier_column in areas.columns:
        areas["tier"] = areas[spec.tier_column]
    integrated = (
        select(areas.assign(area_code=areas.index), scenario.integrated) if scenario.integrated else False
    )
    areas["integrated"] = integrated
    areas["area_km2"] = derive.area_km2(geometry)
    areas["density_per_km2"] = areas["population"] / areas["area_km2"].where(areas["area_km2"] > 0)
    areas, geometry = areas.sort_index(), geometry.sort_index()
    notes += _unusual_facts(scenario, areas)
    baseline = funding.baseline(scenario, areas, baseline_long, notes)
    own = funding.own_resources(scenario, areas, own_long)
    first = ["area_name", "population", "area_km2", "density_per_km2", "integrated", "tier"]
    first = [c for c in first if c in areas.columns] + sorted(
        c for c in areas.columns if c.startswith("parent_")
    )
    areas = areas[first + [c for c in areas.columns if c not in first]].rename_axis("area_code")
    geometry = gpd.GeoSeries(geometry.values, index=areas.index, crs=CRS, name="geometry")
    _raise(check_rule_areas(scenario.rules, areas, _scenario_file(scenario)))
    pairs = derive.adjacency(geometry)
    elapsed = time.perf_counter() - started
    logger.debug("loaded %d areas, %d neighbour pairs in %.2f s", len(areas), len(pairs), elapsed)
    return Geography(areas, geometry, pairs, baseline, own, notes=notes, sources=_sources(scenario))
